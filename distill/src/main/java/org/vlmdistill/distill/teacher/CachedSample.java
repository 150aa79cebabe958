package org.vlmdistill.distill.teacher;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One sample's record read back: per position its text index and its kept tokens. Position
 * {@code p}'s tokens are {@code ids[start[p] .. start[p+1])}, most probable first.
 */
public final class CachedSample {
    private final String sampleId;
    private final int[] textIndex;
    private final int[] start;
    private final int[] ids;
    private final float[] logProbs;
    /** textIndex sorted, and the position each came from: lookups by binary search. */
    private final int[] sortedTextIndex;
    private final int[] sortedPosition;

    CachedSample(String sampleId, int[] textIndex, int[] start, int[] ids, float[] logProbs) {
        this.sampleId = sampleId;
        this.textIndex = textIndex;
        this.start = start;
        this.ids = ids;
        this.logProbs = logProbs;
        Integer[] order = new Integer[textIndex.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(textIndex[a], textIndex[b]));
        sortedTextIndex = new int[order.length];
        sortedPosition = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            sortedTextIndex[i] = textIndex[order[i]];
            sortedPosition[i] = order[i];
        }
    }

    public String sampleId() {
        return sampleId;
    }

    public int positions() {
        return textIndex.length;
    }

    public int textIndex(int position) {
        return textIndex[position];
    }

    /** The position holding {@code textIndex}, or -1 when the cache has none for it. */
    public int positionOf(int textIndex) {
        int i = Arrays.binarySearch(sortedTextIndex, textIndex);
        return i < 0 ? -1 : sortedPosition[i];
    }

    public int count(int position) {
        return start[position + 1] - start[position];
    }

    public int[] ids(int position) {
        return Arrays.copyOfRange(ids, start[position], start[position + 1]);
    }

    public float[] logProbs(int position) {
        return Arrays.copyOfRange(logProbs, start[position], start[position + 1]);
    }

    /** Kept token {@code i} of {@code position}, without copying. */
    public int id(int position, int i) {
        return ids[start[position] + i];
    }

    public float logProb(int position, int i) {
        return logProbs[start[position] + i];
    }

    /**
     * Parses one record; every inconsistency is an error naming {@code file} and {@code offset}.
     *
     * @param record exactly the record's bytes, little-endian
     */
    static CachedSample decode(ByteBuffer record, String expectedId, int vocab, CacheFormat.LogProbDtype dtype,
                               Path file, long offset) throws CacheFormatException {
        String where = "record of sample " + expectedId + " at byte " + offset;
        try {
            int idLength = Short.toUnsignedInt(record.getShort());
            byte[] idBytes = new byte[idLength];
            record.get(idBytes);
            String id = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(idBytes)).toString();
            if (!id.equals(expectedId)) {
                throw new CacheFormatException(file, where + " holds sample " + id + " (index and shard disagree)");
            }
            int positions = record.getInt();
            if (positions < 0) {
                throw new CacheFormatException(file, where + ": negative position count " + positions);
            }
            int[] textIndex = new int[positions];
            int[] start = new int[positions + 1];
            int[] ids = new int[Math.min(record.remaining() / 4, 1 << 20)];
            float[] logProbs = new float[ids.length];
            int total = 0;
            for (int p = 0; p < positions; p++) {
                textIndex[p] = record.getInt();
                int count = Short.toUnsignedInt(record.getShort());
                if (count == 0) {
                    throw new CacheFormatException(file, where + ": position " + p + " keeps no token");
                }
                if (total + count > ids.length) {
                    ids = Arrays.copyOf(ids, Math.max(total + count, ids.length * 2));
                    logProbs = Arrays.copyOf(logProbs, ids.length);
                }
                for (int i = 0; i < count; i++) {
                    int t = record.getInt();
                    if (t < 0 || t >= vocab) {
                        throw new CacheFormatException(file, where + ": position " + p + " keeps token " + t
                                + ", outside the vocabulary of " + vocab);
                    }
                    ids[total + i] = t;
                }
                for (int i = 0; i < count; i++) {
                    logProbs[total + i] = dtype.get(record);
                }
                total += count;
                start[p + 1] = total;
            }
            if (record.hasRemaining()) {
                throw new CacheFormatException(file, where + ": " + record.remaining()
                        + " bytes left after the last position (index length wrong?)");
            }
            int[] sorted = textIndex.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) {
                    throw new CacheFormatException(file, where + ": text index " + sorted[i] + " twice");
                }
            }
            return new CachedSample(id, textIndex, start, Arrays.copyOf(ids, total), Arrays.copyOf(logProbs, total));
        } catch (BufferUnderflowException e) {
            throw new CacheFormatException(file, where + " ends early (index length wrong or record cut)");
        } catch (CharacterCodingException e) {
            throw new CacheFormatException(file, where + ": sample id is not UTF-8");
        }
    }
}
