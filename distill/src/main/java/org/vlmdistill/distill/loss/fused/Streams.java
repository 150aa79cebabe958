package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;

/**
 * Row log-sum-exps by the online softmax (Milakov and Gimelshein, 2018), a block at a time: the
 * block's maximum first (the block stays in L1), the running sum rescaled by
 * {@code exp(M_old - M_new)} when the maximum grows, then {@code sum exp(x - M)} over the block. One
 * exp per element and stream; each row is read from memory once.
 *
 * <p>A stream is {@code x = cs * s + cz * z} over a student row s and a target row z; a coefficient
 * of 0 drops its row (so {@code 0 * -inf} never happens). {@code -inf} elements add nothing; a row
 * with no finite element has log-sum-exp {@code -inf}.
 */
final class Streams {
    /** Elements per block: two rows' blocks (8 KiB each) stay in a 32 KiB L1. */
    static final int BLOCK = 2048;

    private Streams() {
    }

    /** {@code cs * s + cz * z} where a zero coefficient leaves its row out, for the elements past the last full vector. */
    private static float combine(float s, float z, float cs, float cz) {
        if (cz == 0) {
            return cs * s;
        }
        if (cs == 0) {
            return cz * z;
        }
        return cs * s + cz * z;
    }

    /**
     * The log-sum-exps of two streams over elements {@code [0, n)} of rows at byte offsets
     * {@code sBase} and {@code zBase}, into {@code out[0]} and {@code out[1]}. {@code z} may be null
     * when neither stream reads it; a second stream with both coefficients 0 is skipped
     * ({@code out[1] = -inf}).
     */
    static void logSumExp2(MemorySegment s, long sBase, MemorySegment z, long zBase, int n,
                           float cs1, float cz1, float cs2, float cz2, double[] out) {
        boolean readZ = cz1 != 0 || cz2 != 0;
        boolean two = cs2 != 0 || cz2 != 0;
        int bound = VectorMath.bound(n);
        // running (max, sum exp(x - max)) of each stream
        double[] run = {Double.NEGATIVE_INFINITY, 0, Double.NEGATIVE_INFINITY, 0};
        for (int b = 0; b < bound; b += BLOCK) {
            int e = Math.min(bound, b + BLOCK);
            rescale(run, 0, blockMax(s, sBase, z, zBase, b, e, cs1, cz1));
            run[1] += blockSum(s, sBase, z, zBase, b, e, cs1, cz1, run[0]);
            if (two) {
                rescale(run, 2, blockMax(s, sBase, z, zBase, b, e, cs2, cz2));
                run[3] += blockSum(s, sBase, z, zBase, b, e, cs2, cz2, run[2]);
            }
        }
        for (int i = bound; i < n; i++) {
            float sv = VectorMath.get(s, sBase, i);
            float zv = readZ ? VectorMath.get(z, zBase, i) : sv;
            add(run, 0, combine(sv, zv, cs1, cz1));
            if (two) {
                add(run, 2, combine(sv, zv, cs2, cz2));
            }
        }
        out[0] = run[0] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : run[0] + Math.log(run[1]);
        out[1] = run[2] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : run[2] + Math.log(run[3]);
    }

    /** Raises stream k's running maximum to {@code m} (when larger), rescaling its sum. */
    private static void rescale(double[] run, int k, double m) {
        if (m > run[k]) {
            run[k + 1] = run[k] == Double.NEGATIVE_INFINITY ? 0 : run[k + 1] * Math.exp(run[k] - m);
            run[k] = m;
        }
    }

    /** One more element x of stream k. */
    private static void add(double[] run, int k, double x) {
        if (x == Double.NEGATIVE_INFINITY) {
            return;
        }
        rescale(run, k, x);
        run[k + 1] += Math.exp(x - run[k]);
    }

    /*
     * The block loops below never branch on their arguments: the streams' kinds are picked before the
     * loop. A branch on an argument inside a vector loop (say "read z or not") gets a profiled loop
     * predicate in C2; calls that take the other branch then fail it, and the method deoptimizes and
     * recompiles over and over, running as boxed tier-3 code (measured: 6x slower for the whole run).
     */

    /** The maximum of stream {@code cs * s + cz * z} over {@code [b, e)} (a zero coefficient drops its row). */
    private static float blockMax(MemorySegment s, long sBase, MemorySegment z, long zBase, int b, int e,
                                  float cs, float cz) {
        if (cz == 0) {
            return maxScaled(s, sBase, b, e, cs);
        }
        if (cs == 0) {
            return maxScaled(z, zBase, b, e, cz);
        }
        return maxMixed(s, sBase, z, zBase, b, e, cs, cz);
    }

    /** {@code sum exp(cs * s + cz * z - max)} over {@code [b, e)}. */
    private static double blockSum(MemorySegment s, long sBase, MemorySegment z, long zBase, int b, int e,
                                   float cs, float cz, double max) {
        // a stream with no finite element yet subtracts 0: its elements are -inf, their exp 0
        float shift = max == Double.NEGATIVE_INFINITY ? 0f : (float) max;
        if (cz == 0) {
            return sumScaled(s, sBase, b, e, cs, shift);
        }
        if (cs == 0) {
            return sumScaled(z, zBase, b, e, cz, shift);
        }
        return sumMixed(s, sBase, z, zBase, b, e, cs, cz, shift);
    }

    private static float maxScaled(MemorySegment x, long base, int b, int e, float c) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int i = b; i < e; i += LANES) {
            m = m.max(load(x, base, i).mul(c));
        }
        return m.reduceLanes(VectorOperators.MAX); // max is exact in any order
    }

    private static float maxMixed(MemorySegment s, long sBase, MemorySegment z, long zBase, int b, int e,
                                  float cs, float cz) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int i = b; i < e; i += LANES) {
            m = m.max(load(s, sBase, i).mul(cs).add(load(z, zBase, i).mul(cz)));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@code sum exp(c x - shift)}. One stream a call: two streams' exps in one loop exceed C2's
     * inlining node budget, and the block is in L1 for the second call anyway.
     */
    private static double sumScaled(MemorySegment x, long base, int b, int e, float c, float shift) {
        FloatVector scale = FloatVector.broadcast(F, c);
        FloatVector minus = FloatVector.broadcast(F, -shift);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            acc = acc.add(exp(load(x, base, i).fma(scale, minus)));
        }
        return VectorMath.sum(acc);
    }

    private static double sumMixed(MemorySegment s, long sBase, MemorySegment z, long zBase, int b, int e,
                                   float cs, float cz, float shift) {
        FloatVector minus = FloatVector.broadcast(F, -shift);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            acc = acc.add(exp(load(s, sBase, i).mul(cs).add(load(z, zBase, i).mul(cz)).add(minus)));
        }
        return VectorMath.sum(acc);
    }

    /** {@code log(e^a + e^b)}; either may be {@code -inf} (both: {@code -inf}). */
    static double logAddExp(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        double m = Math.max(a, b);
        return m + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    /** The log-sum-exp of {@code scale * x} over elements {@code [0, n)} of one row. */
    static double logSumExp(MemorySegment x, long base, int n, float scale) {
        double[] out = new double[2];
        logSumExp2(x, base, null, 0, n, scale, 0, 0, 0, out);
        return out[0];
    }
}
