package org.vlmdistill.distill.teacher;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads a teacher-logits cache ({@link CacheFormat}).
 *
 * <p>{@link #open} checks the index (present, parseable, format and version, fields) and every
 * shard's existence and byte size. A shard's CRC32 is checked lazily, the first time a record in it
 * is read (the whole shard once, then remembered), so opening a large cache stays cheap;
 * {@link #verify()} checks them all now. Errors name the file and what is wrong.
 *
 * <p>Reads are positional ({@link FileChannel#read(ByteBuffer, long)}), so any number of threads
 * may call {@link #lookup} at once.
 */
public final class TeacherCache implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path dir;
    private final int vocabSize;
    private final TopKTruncation truncation;
    private final CacheFormat.LogProbDtype logProbDtype;
    private final String teacher;
    private final String data;
    private final long positionCount;
    private final List<Shard> shards;
    private final Map<String, Entry> entries;

    private record Entry(int shard, long offset, int length) {
    }

    private static final class Shard {
        final Path file;
        final long bytes;
        final long crc32;
        final FileChannel channel;
        volatile boolean verified;

        Shard(Path file, long bytes, long crc32, FileChannel channel) {
            this.file = file;
            this.bytes = bytes;
            this.crc32 = crc32;
            this.channel = channel;
        }

        synchronized void verify() throws IOException {
            if (verified) {
                return;
            }
            CRC32 crc = new CRC32();
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long position = 0;
            while (position < bytes) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new CacheFormatException(file, "ends at byte " + position + ", the index says " + bytes);
                }
                buffer.flip();
                crc.update(buffer);
                position += n;
            }
            if (crc.getValue() != crc32) {
                throw new CacheFormatException(file, String.format("CRC32 is %08x, the index says %08x: the shard "
                        + "is corrupted", crc.getValue(), crc32));
            }
            verified = true;
        }
    }

    private TeacherCache(Path dir, JsonNode index, Path indexFile) throws IOException {
        this.dir = dir;
        String format = text(index, "format", indexFile);
        if (!CacheFormat.FORMAT.equals(format)) {
            throw new CacheFormatException(indexFile, "format is \"" + format + "\", not \"" + CacheFormat.FORMAT + "\"");
        }
        int version = (int) number(index, "format_version", indexFile);
        if (version != CacheFormat.VERSION) {
            throw new CacheFormatException(indexFile, "unknown format_version " + version + " (this build reads "
                    + CacheFormat.VERSION + ")");
        }
        vocabSize = (int) number(index, "vocab_size", indexFile);
        try {
            truncation = new TopKTruncation(index.path("top_p").asDouble(Double.NaN),
                    (int) number(index, "top_k", indexFile), index.path("temperature").asDouble(Double.NaN));
            logProbDtype = CacheFormat.LogProbDtype.fromJson(text(index, "log_prob_dtype", indexFile));
        } catch (IllegalArgumentException e) {
            throw new CacheFormatException(indexFile, e.getMessage());
        }
        if (!"int32".equals(text(index, "token_id_dtype", indexFile))
                || !"little-endian".equals(text(index, "byte_order", indexFile))) {
            throw new CacheFormatException(indexFile, "token_id_dtype must be int32 and byte_order little-endian");
        }
        teacher = text(index, "teacher", indexFile);
        data = text(index, "data", indexFile);
        positionCount = number(index, "position_count", indexFile);
        List<Shard> opened = new ArrayList<>();
        try {
            for (JsonNode s : array(index, "shards", indexFile)) {
                String name = text(s, "file", indexFile);
                if (!CacheFormat.isShardName(name)) {
                    throw new CacheFormatException(indexFile, "shard file name \"" + name + "\" is not shard-NNNNN.bin");
                }
                Path file = dir.resolve(name);
                long bytes = number(s, "bytes", indexFile);
                long crc = number(s, "crc32", indexFile);
                FileChannel channel;
                try {
                    channel = FileChannel.open(file, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    throw new CacheFormatException(file, "missing (listed in " + indexFile.getFileName() + ")");
                }
                opened.add(new Shard(file, bytes, crc, channel));
                long actual = channel.size();
                if (actual != bytes) {
                    throw new CacheFormatException(file, "is " + actual + " bytes, the index says " + bytes
                            + (actual < bytes ? " (truncated)" : ""));
                }
                ByteBuffer magic = ByteBuffer.allocate(CacheFormat.HEADER_BYTES);
                channel.read(magic, 0);
                if (!java.util.Arrays.equals(magic.array(), CacheFormat.SHARD_MAGIC)) {
                    throw new CacheFormatException(file, "does not start with the shard header VDTLOGIT");
                }
            }
            JsonNode samples = array(index, "samples", indexFile);
            Map<String, Entry> map = new HashMap<>(samples.size() * 2);
            for (JsonNode e : samples) {
                if (!e.isArray() || e.size() != 4 || !e.get(0).isTextual()) {
                    throw new CacheFormatException(indexFile, "sample entry " + e + " is not [id, shard, offset, length]");
                }
                String id = e.get(0).asText();
                int shard = e.get(1).asInt(-1);
                long offset = e.get(2).asLong(-1);
                long length = e.get(3).asLong(-1);
                if (shard < 0 || shard >= opened.size() || offset < CacheFormat.HEADER_BYTES || length < 6
                        || offset + length > opened.get(shard).bytes) {
                    throw new CacheFormatException(indexFile, "sample " + id + " points outside its shard: " + e);
                }
                if (map.put(id, new Entry(shard, offset, (int) length)) != null) {
                    throw new CacheFormatException(indexFile, "sample " + id + " listed twice");
                }
            }
            if (map.size() != number(index, "sample_count", indexFile)) {
                throw new CacheFormatException(indexFile, "sample_count says " + index.get("sample_count")
                        + ", the index lists " + map.size());
            }
            entries = map;
            shards = List.copyOf(opened);
        } catch (IOException | RuntimeException e) {
            for (Shard s : opened) {
                try {
                    s.channel.close();
                } catch (IOException ignored) {
                    e.addSuppressed(ignored);
                }
            }
            throw e;
        }
    }

    /** Opens the cache in {@code dir}; a directory without {@code index.json} is not a cache. */
    public static TeacherCache open(Path dir) throws IOException {
        Path indexFile = dir.resolve(CacheFormat.INDEX);
        if (!Files.isRegularFile(indexFile)) {
            throw new CacheFormatException(indexFile, "missing: " + dir + " is not a teacher-logits cache (a writer "
                    + "that did not finish leaves no index)");
        }
        JsonNode index;
        try {
            index = JSON.readTree(indexFile.toFile());
        } catch (IOException e) {
            throw new CacheFormatException(indexFile, "not valid JSON: " + e.getMessage());
        }
        if (index == null || !index.isObject()) {
            throw new CacheFormatException(indexFile, "not a JSON object");
        }
        return new TeacherCache(dir, index, indexFile);
    }

    public Path directory() {
        return dir;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public TopKTruncation truncation() {
        return truncation;
    }

    public CacheFormat.LogProbDtype logProbDtype() {
        return logProbDtype;
    }

    public String teacher() {
        return teacher;
    }

    public String data() {
        return data;
    }

    public int sampleCount() {
        return entries.size();
    }

    public long positionCount() {
        return positionCount;
    }

    public boolean contains(String sampleId) {
        return entries.containsKey(sampleId);
    }

    /** The ids of every sample, in no particular order. */
    public java.util.Set<String> sampleIds() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** Checks every shard's CRC32 now (otherwise each is checked on its first read). */
    public void verify() throws IOException {
        for (Shard s : shards) {
            s.verify();
        }
    }

    /** The sample's positions, or null when the cache has no such sample. */
    public CachedSample lookup(String sampleId) throws IOException {
        Entry e = entries.get(sampleId);
        if (e == null) {
            return null;
        }
        Shard shard = shards.get(e.shard());
        if (!shard.verified) {
            shard.verify();
        }
        ByteBuffer record = ByteBuffer.allocate(e.length()).order(CacheFormat.ORDER);
        long position = e.offset();
        while (record.hasRemaining()) {
            int n = shard.channel.read(record, position);
            if (n < 0) {
                throw new CacheFormatException(shard.file, "ends inside the record of sample " + sampleId);
            }
            position += n;
        }
        record.flip();
        return CachedSample.decode(record, sampleId, vocabSize, logProbDtype, shard.file, e.offset());
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Shard s : shards) {
            try {
                s.channel.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static String text(JsonNode node, String field, Path file) throws CacheFormatException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new CacheFormatException(file, "field " + field + " missing or not a string");
        }
        return v.asText();
    }

    private static long number(JsonNode node, String field, Path file) throws CacheFormatException {
        JsonNode v = node.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw new CacheFormatException(file, "field " + field + " missing or not an integer");
        }
        return v.asLong();
    }

    private static JsonNode array(JsonNode node, String field, Path file) throws CacheFormatException {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw new CacheFormatException(file, "field " + field + " missing or not an array");
        }
        return v;
    }
}
