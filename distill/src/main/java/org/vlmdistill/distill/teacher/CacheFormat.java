package org.vlmdistill.distill.teacher;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The teacher-logits cache on disk, version 1. A directory:
 *
 * <pre>
 * index.json          written last, atomically: without it the directory is not a cache
 * shard-00000.bin     sample records back to back after an 8-byte header
 * shard-00001.bin     ... a new shard starts once the current one would pass the size limit
 * </pre>
 *
 * <p>Shards, little-endian:
 * <pre>
 * header  8 bytes  "VDTLOGIT" (ASCII)
 * record  per sample:
 *   u16   id length L, then L bytes of the sample id (UTF-8)
 *   u32   positions P
 *   P times:
 *     i32        text index (the position's index among its row's text tokens)
 *     u16        count C (1..65535)
 *     C x i32    token ids, most probable first (ties: lower id first)
 *     C x f16|f32 log-probabilities renormalized over the C tokens (index.json's log_prob_dtype)
 * </pre>
 *
 * <p>{@code index.json}: {@code format}, {@code format_version} (1), {@code vocab_size},
 * {@code top_p}, {@code top_k}, {@code temperature}, {@code log_prob_dtype} ({@code float16} or
 * {@code float32}), {@code token_id_dtype} ({@code int32}), {@code byte_order}, {@code teacher},
 * {@code data}, {@code created}, counts ({@code sample_count}, {@code position_count},
 * {@code kept_token_count}), {@code shards} (each {@code file}, {@code bytes}, {@code crc32} of the
 * whole file), and {@code samples}: one {@code [id, shard, offset, length]} per sample, in write
 * order. JSON is fine to about a million samples (some 60 bytes each); past that a binary index
 * beside it would be the next step.
 *
 * <p>Sizes: a position costs 6 bytes of header plus 6 bytes per kept token with fp16 log-probs (8
 * with fp32). fp16 keeps about 3 significant digits of a log-probability (relative error 2^-11:
 * 5e-4 on log q = -1, i.e. q off by 0.05%; 0.8% at log q = -16), plenty for a distillation
 * target, and saves a quarter of the size; fp32 stores what the truncation computed. Ids stay
 * int32 (vocabularies pass 65536); packing them in 3 bytes would save another sixth.
 */
public final class CacheFormat {
    public static final int VERSION = 1;
    public static final String FORMAT = "vlm-distill teacher-logits cache";
    public static final String INDEX = "index.json";
    static final byte[] SHARD_MAGIC = "VDTLOGIT".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = SHARD_MAGIC.length;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** The default shard size limit, 1 GiB; a shard holds at least one record whatever its size. */
    public static final long DEFAULT_SHARD_BYTES = 1L << 30;

    private CacheFormat() {
    }

    /** How log-probabilities are stored. */
    public enum LogProbDtype {
        FLOAT16("float16", 2),
        FLOAT32("float32", 4);

        private final String jsonName;
        private final int bytes;

        LogProbDtype(String jsonName, int bytes) {
            this.jsonName = jsonName;
            this.bytes = bytes;
        }

        public String jsonName() {
            return jsonName;
        }

        public int bytes() {
            return bytes;
        }

        public static LogProbDtype fromJson(String name) {
            for (LogProbDtype d : values()) {
                if (d.jsonName.equals(name)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("unknown log_prob_dtype \"" + name + "\" (float16 or float32)");
        }

        void put(ByteBuffer b, float x) {
            if (this == FLOAT16) {
                b.putShort(Float.floatToFloat16(x));
            } else {
                b.putFloat(x);
            }
        }

        float get(ByteBuffer b) {
            return this == FLOAT16 ? Float.float16ToFloat(b.getShort()) : b.getFloat();
        }
    }

    static String shardName(int shard) {
        return String.format("shard-%05d.bin", shard);
    }

    static boolean isShardName(String name) {
        return name.matches("shard-\\d{5}\\.bin");
    }

    /** Bytes of one position holding {@code count} tokens. */
    static long positionBytes(int count, LogProbDtype dtype) {
        return 4 + 2 + (long) count * (4 + dtype.bytes());
    }

    /** One record, encoded. */
    static ByteBuffer encode(String sampleId, int[] textIndex, TopKTruncation.Kept[] kept, LogProbDtype dtype) {
        byte[] id = sampleId.getBytes(StandardCharsets.UTF_8);
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("sample id of " + id.length + " bytes (the cache holds at most 65535): "
                    + sampleId.substring(0, 80) + "...");
        }
        long size = 2 + id.length + 4;
        for (TopKTruncation.Kept k : kept) {
            size += positionBytes(k.count(), dtype);
        }
        if (size > Integer.MAX_VALUE - HEADER_BYTES) {
            throw new IllegalArgumentException("sample " + sampleId + " needs " + size + " bytes, over 2 GiB");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ORDER);
        b.putShort((short) id.length).put(id).putInt(kept.length);
        for (int p = 0; p < kept.length; p++) {
            TopKTruncation.Kept k = kept[p];
            b.putInt(textIndex[p]).putShort((short) k.count());
            for (int id1 : k.ids()) {
                b.putInt(id1);
            }
            for (float x : k.logProbs()) {
                dtype.put(b, x);
            }
        }
        return b.flip();
    }
}
