package org.vlmdistill.distill.plan;

/**
 * What one micro-batch holds, as the estimate assumes it: every sample at the longest length (the
 * collator pads to the longest, and {@code max_tokens} caps it) and every position a loss row.
 *
 * @param microBatch     samples per micro-batch ({@code batch_size})
 * @param sequenceLength tokens per sample, image tokens included ({@code max_tokens})
 * @param tilesPerSample tiles each sample's images give the vision tower (one image of one tile: 1)
 * @param lossChunk      loss rows per chunk ({@code loss.chunk_size})
 */
public record Workload(int microBatch, int sequenceLength, int tilesPerSample, int lossChunk) {
    public Workload {
        if (microBatch < 1 || sequenceLength < 1 || tilesPerSample < 0 || lossChunk < 1) {
            throw new IllegalArgumentException("workload: batch " + microBatch + ", length " + sequenceLength
                    + ", tiles " + tilesPerSample + ", chunk " + lossChunk + " (batch, length, chunk >= 1, tiles >= 0)");
        }
    }

    /** Tokens in the micro-batch: {@code B x S}. */
    public long tokens() {
        return (long) microBatch * sequenceLength;
    }
}
