package org.vlmdistill.datasets.batch;

import java.util.Objects;

/**
 * How an epoch is cut into batches.
 *
 * @param batchSize    samples per batch on one rank (the micro-batch)
 * @param seed         with the epoch, the only input of the sample and batch order
 * @param shuffle      false visits samples in index order (evaluation); bucketing still sorts windows
 * @param bucketWindow length bucketing: sort each run of {@code bucketWindow * batchSize} shuffled
 *                     samples by length, cut it into batches, then shuffle all batches of the epoch;
 *                     1 turns bucketing off. Larger windows pad less and randomise less.
 * @param rank         this process's index among {@code worldSize} data-parallel ranks
 * @param remainder    what happens to batches that do not divide evenly
 */
public record BatchingConfig(int batchSize, long seed, boolean shuffle, int bucketWindow, int rank, int worldSize,
                             Remainder remainder) {

    public BatchingConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        if (bucketWindow < 1) {
            throw new IllegalArgumentException("bucketWindow must be >= 1 (1 = no bucketing), was " + bucketWindow);
        }
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of worldSize " + worldSize);
        }
        Objects.requireNonNull(remainder, "remainder");
    }

    /** Shuffled, no bucketing, one rank, partial batch kept. */
    public static BatchingConfig of(int batchSize, long seed) {
        return new BatchingConfig(batchSize, seed, true, 1, 0, 1, Remainder.PAD);
    }

    public boolean bucketed() {
        return bucketWindow > 1;
    }

    public BatchingConfig withShuffle(boolean on) {
        return new BatchingConfig(batchSize, seed, on, bucketWindow, rank, worldSize, remainder);
    }

    public BatchingConfig withBucketWindow(int window) {
        return new BatchingConfig(batchSize, seed, shuffle, window, rank, worldSize, remainder);
    }

    public BatchingConfig withDataParallel(int rankOfWorld, int ranks) {
        return new BatchingConfig(batchSize, seed, shuffle, bucketWindow, rankOfWorld, ranks, remainder);
    }

    public BatchingConfig withRemainder(Remainder r) {
        return new BatchingConfig(batchSize, seed, shuffle, bucketWindow, rank, worldSize, r);
    }
}
