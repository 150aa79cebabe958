package org.vlmdistill.datasets.shapes;

import java.util.Collections;
import java.util.List;

/**
 * SplitMix64 (Steele, Lea, Flood 2014): a 64-bit counter passed through a fixed mixing function.
 * Ours, not {@code SplittableRandom} or {@code Random}, so every draw is integer arithmetic whose
 * result no JDK version can change, and so {@link #mix} can address a sample by its index.
 */
final class SplitMix64 {
    /** 2^64 / phi, the Weyl-sequence increment. */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** The finaliser: a bijection on 64-bit values whose output bits each depend on all input bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in {@code [0, bound)}: the top 31 bits, rejecting the tail that would bias the modulus. */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long limit = (1L << 31) - (1L << 31) % bound;
        long r;
        do {
            r = nextLong() >>> 33;
        } while (r >= limit);
        return (int) (r % bound);
    }

    /** Uniform in {@code [lo, hi]}. */
    int nextInt(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** A uniformly chosen element. */
    <T> T pick(List<T> items) {
        return items.get(nextInt(items.size()));
    }

    /** Fisher-Yates, in place. */
    <T> void shuffle(List<T> items) {
        for (int i = items.size() - 1; i > 0; i--) {
            Collections.swap(items, i, nextInt(i + 1));
        }
    }
}
