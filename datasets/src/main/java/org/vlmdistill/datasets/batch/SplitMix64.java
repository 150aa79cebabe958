package org.vlmdistill.datasets.batch;

/**
 * Steele, Lea and Flood's SplitMix64 (OOPSLA 2014), written out here rather than taken from
 * {@link java.util.SplittableRandom}: the JDK does not promise that class's exact output across
 * releases, and a run resumed on another JDK must see the very same epoch order.
 * One instance per use; not shared between threads.
 */
final class SplitMix64 {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** Stafford's variant 13 finalizer: a bijection of 64-bit values that mixes every bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GAMMA;
        return mix(state);
    }

    /** Uniform in {@code [0, bound)}, by rejection, so no index is favoured (as java.util.Random does). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, was " + bound);
        }
        int r = (int) (nextLong() >>> 33);
        int m = bound - 1;
        if ((bound & m) == 0) {
            return r & m;
        }
        for (int u = r; u - (r = u % bound) + m < 0; u = (int) (nextLong() >>> 33)) {
            // rejected: u fell in the last, incomplete run of bound values
        }
        return r;
    }
}
