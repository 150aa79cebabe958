package org.vlmdistill.core.random;

import java.util.Collections;
import java.util.List;

/**
 * SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a 64-bit Weyl counter passed through a fixed mixing
 * function. Written out here rather than taken from {@link java.util.SplittableRandom} or
 * {@link java.util.Random}: every draw is integer arithmetic that no JDK release can change, so a
 * seeded stream (the Shapes samples, an epoch's order) is the same on every JDK, and {@link #mix}
 * can address a sample by its index. The project's one seeded stream; one instance per use, not
 * shared between threads.
 */
public final class SplitMix64 {
    /** 2^64 / phi, the Weyl-sequence increment (the paper's gamma). */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /**
     * The finaliser (Stafford's variant 13): a bijection on 64-bit values whose output bits each
     * depend on all input bits.
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /**
     * Uniform in {@code [0, bound)}: the top 31 bits u of a draw, redrawn while u falls in the last,
     * incomplete run of {@code bound} values ({@code u >= 2^31 - 2^31 mod bound}), then {@code u mod bound}.
     * This is {@link java.util.Random#nextInt(int)}'s rejection written without its int overflow test
     * ({@code u - u % bound + bound - 1 < 0} holds exactly when u's run of bound values passes 2^31, so
     * both reject the same draws), and a power-of-two bound never rejects.
     */
    public int nextInt(int bound) {
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
    public int nextInt(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** Uniform in {@code [0, 1)}: the top 53 bits of a draw times 2^-53 (every value a multiple of 2^-53). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** A uniformly chosen element. */
    public <T> T pick(List<T> items) {
        return items.get(nextInt(items.size()));
    }

    /** Fisher-Yates, in place. */
    public <T> void shuffle(List<T> items) {
        for (int i = items.size() - 1; i > 0; i--) {
            Collections.swap(items, i, nextInt(i + 1));
        }
    }
}
