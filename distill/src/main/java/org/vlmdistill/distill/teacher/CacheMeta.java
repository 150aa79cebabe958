package org.vlmdistill.distill.teacher;

import java.util.Objects;

/**
 * What a cache is made of, kept in its index for provenance.
 *
 * @param teacher      the teacher, e.g. its directory, family and dtype
 * @param data         the data and template it ran over, e.g. the data file and the chat template's name
 * @param vocabSize    the teacher's vocabulary size V (its logits' last dimension)
 * @param truncation   the rule applied to every row
 * @param logProbDtype how log-probabilities are stored
 * @param shardBytes   a shard's size limit; a new shard starts before a record would pass it
 */
public record CacheMeta(String teacher, String data, int vocabSize, TopKTruncation truncation,
                        CacheFormat.LogProbDtype logProbDtype, long shardBytes) {
    public CacheMeta {
        Objects.requireNonNull(teacher, "teacher");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(truncation, "truncation");
        Objects.requireNonNull(logProbDtype, "logProbDtype");
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabulary size must be >= 1, was " + vocabSize);
        }
        if (shardBytes < 1024) {
            throw new IllegalArgumentException("shard size limit must be >= 1024 bytes, was " + shardBytes);
        }
    }

    /** fp16 log-probabilities, 1 GiB shards. */
    public static CacheMeta of(String teacher, String data, int vocabSize, TopKTruncation truncation) {
        return new CacheMeta(teacher, data, vocabSize, truncation, CacheFormat.LogProbDtype.FLOAT16,
                CacheFormat.DEFAULT_SHARD_BYTES);
    }
}
