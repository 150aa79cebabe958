package org.vlmdistill.distill.teacher;

import java.util.Locale;

/**
 * What a finished cache holds and what it saved.
 *
 * @param bytes     on disk: shards plus index
 * @param vocabSize V, for the comparison with full fp32 logits ({@code 4V} bytes a position)
 */
public record CacheSummary(long samples, long positions, long keptTokens, long shards, long bytes, int vocabSize) {

    public double bytesPerPosition() {
        return positions == 0 ? 0 : (double) bytes / positions;
    }

    /** Full fp32 logits over the same positions, {@code 4V} bytes each. */
    public double fullFp32Bytes() {
        return 4.0 * vocabSize * positions;
    }

    /** How many times smaller than full fp32 logits. */
    public double ratioVsFullFp32() {
        return bytes == 0 ? 0 : fullFp32Bytes() / bytes;
    }

    public double meanKeptPerPosition() {
        return positions == 0 ? 0 : (double) keptTokens / positions;
    }

    /** One line for logs: {@code 12 samples, 3400 positions, mean 17.2 kept, 340 KB in 1 shard(s), ...}. */
    public String describe() {
        return String.format(Locale.ROOT, "%d samples, %d positions, mean %.1f tokens kept a position, %d bytes in %d "
                        + "shard(s) + index: %.1f bytes a position, %.0fx smaller than fp32 logits (%d bytes a position)",
                samples, positions, meanKeptPerPosition(), bytes, shards, bytesPerPosition(), ratioVsFullFp32(),
                4L * vocabSize);
    }
}
