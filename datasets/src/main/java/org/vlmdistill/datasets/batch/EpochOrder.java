package org.vlmdistill.datasets.batch;

import org.vlmdistill.core.random.SplitMix64;

/**
 * The order in which an epoch visits a data set: a permutation that depends on (seed, epoch) and
 * nothing else, so any epoch can be recomputed from scratch (for a resumed run, on any rank, on any
 * JDK) without replaying the epochs before it.
 */
public final class EpochOrder {

    /** Independent random streams of one (seed, epoch): the sample order, and the batch order under bucketing. */
    static final int SAMPLE_STREAM = 0;
    static final int BATCH_STREAM = 1;

    private EpochOrder() {
    }

    /** Epoch {@code epoch}'s order of the indices {@code 0 .. size-1}: Fisher–Yates on SplitMix64. */
    public static int[] permutation(long seed, int epoch, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        SplitMix64 random = stream(seed, epoch, SAMPLE_STREAM);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * A generator for one (seed, epoch, stream). {@code mix} is a bijection, so for a fixed seed each
     * epoch and stream starts from a different state.
     */
    static SplitMix64 stream(long seed, int epoch, int stream) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
        }
        long state = SplitMix64.mix(seed);
        state = SplitMix64.mix(state ^ epoch);
        state = SplitMix64.mix(state ^ ((long) stream << 32));
        return new SplitMix64(state);
    }
}
