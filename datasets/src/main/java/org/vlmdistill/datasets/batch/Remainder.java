package org.vlmdistill.datasets.batch;

/**
 * What an epoch does with batches that do not divide evenly: the last, partial batch, and the
 * batches left over when the epoch's batch count is not a multiple of the number of ranks. Every rank
 * must take the same number of steps, or a collective (all-reduce) waits forever.
 */
public enum Remainder {
    /**
     * Drop the partial batch and the last {@code batches mod worldSize} full batches: every batch
     * is full and no sample is seen twice; up to {@code batchSize * worldSize - 1} samples are not seen
     * this epoch (with shuffling, different ones each epoch).
     */
    DROP,
    /**
     * Keep the partial batch, and give the ranks that would be a step short a repeat of the epoch's
     * first batches (as PyTorch's {@code DistributedSampler} pads): every sample is seen, up to
     * {@code worldSize - 1} batches twice. With one rank this only keeps the partial batch.
     */
    PAD
}
