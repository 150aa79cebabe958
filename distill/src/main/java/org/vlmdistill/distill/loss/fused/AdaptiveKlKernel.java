package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.vlmdistill.core.random.SplitMix64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.get;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;
import static org.vlmdistill.distill.loss.fused.VectorMath.set;
import static org.vlmdistill.distill.loss.fused.VectorMath.store;

/**
 * Adaptive KL ({@link org.vlmdistill.distill.loss.AdaptiveKl}): with {@code q = softmax(s)},
 * {@code p = softmax(z)}, the head the tokens of the prefix of p sorted descending whose cumulative
 * sum is {@code <= mu} (the top-1 always), {@code g_head = sum_head |p - q|},
 * {@code g_tail = sum_tail |p - q|}, {@code w_head = g_head / (g_head + g_tail)},
 * {@code w_tail = 1 - w_head} (both 0 when p = q), the weights constants of the gradient:
 * <pre>
 * D     = w_head KL(p || q) + w_tail KL(q || p)
 * dD/ds = w_head (q - p) + w_tail q (log q - log p - KL(q || p))
 * </pre>
 * Pass 1 reads s and z for {@code lse(s)} and {@code lse(z)}; pass 2 sums both KLs and writes p and
 * {@code |p - q|} to the workspace; the head is then found without sorting the row (below); pass 3
 * sums {@code |p - q|} over head and tail from the workspace; pass 4 writes g. Five exps an element
 * in all: two in each of passes 1 and 2, one in pass 4 (p comes from the workspace).
 *
 * <p>The head: when the top p exceeds mu it is that token alone. Otherwise a quickselect over a copy
 * of p (expected O(V)) keeps a region of the order statistics that holds the head's boundary, and the
 * sum of everything above the region, which is the head's: a pivot splits the region into
 * {@code > pivot} and the rest; if the part above the pivot would take the running sum past mu the
 * boundary lies in it, else it joins the head. The head is then {@code p >= p*}, p* its smallest
 * value. As the composed form's cumulative sum (fp32 values added in double, each partial sum
 * rounded to fp32, compared with mu in fp32), a prefix fits when {@code (float) sum <= (float) mu};
 * the sum is over the same values in another order, which changes its double rounding (about
 * {@code 1e-16} relative), never its fp32 rounding in practice. A boundary can still fall elsewhere
 * than the composed form's where a cumulative sum lies within an ulp of mu, since this kernel's p
 * (the vector exp, within 1.01 ulp) may differ from libtorch's in the last bit.
 *
 * <p>Ties: among tokens of equal p at the boundary, where only some fit, the head takes the lowest
 * ids first. The composed form takes whichever libtorch's (unstable) descending argsort puts first.
 * Only {@code g_head} and {@code g_tail} can differ, by the tied tokens' {@code |p - q|}.
 */
public final class AdaptiveKlKernel implements RowKernel {
    /** As the composed form compares it: in fp32. */
    private final float mu;

    public AdaptiveKlKernel(double mu) {
        this.mu = (float) mu;
    }

    /** The head: {@code p > threshold}, and of the tokens with {@code p == threshold} the first {@code ties}, or all for -1. */
    record Head(float threshold, int ties) {
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, 0f, 1f, lse);
        double lseS = lse[0];
        float shiftS = (float) lse[0];
        float shiftZ = (float) lse[1];
        // log p - log q = (z - s) - gap: the log-sum-exps' difference rounded once, not each
        double gap = lse[1] - lse[0];
        MemorySegment probs = ws.probs();
        MemorySegment errors = ws.errors();
        int bound = VectorMath.bound(n);

        // [KL(p || q), KL(q || p), max p]
        double[] sums = ws.sums;
        java.util.Arrays.fill(sums, 0);
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            divergenceBlock(s, sb, z, zb, probs, errors, b, Math.min(bound, b + Streams.BLOCK), shiftS, shiftZ,
                    (float) gap, sums);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float zv = get(z, zb, i);
            float q = (float) Math.exp(sv - shiftS);
            float p = (float) Math.exp(zv - shiftZ);
            float ratio = (zv - sv) - (float) gap;
            sums[0] += p == 0 ? 0 : p * ratio;
            sums[1] -= q * ratio;
            sums[2] = Math.max(sums[2], p);
            set(probs, 0, i, p);
            set(errors, 0, i, Math.abs(p - q));
        }
        double forward = sums[0];
        double reverse = sums[1];
        float maxP = (float) sums[2];
        Head head = head(probs, n, mu, maxP, ws.order());

        double[] split = headAndTail(probs, errors, n, head);
        // the composed form's guard against p = q, in fp32
        double total = Math.max(split[0] + split[1], 1e-30f);
        double wHead = split[0] / total;
        double wTail = split[1] / total;

        // g = q (wLm + wD w_head + wD w_tail (log q - log p - KL(q || p))) - wD w_head p,
        // log q - log p - KL(q || p) = (s - z) - (KL(q || p) - gap)
        float cHead = (float) (wD * wHead);
        float cTail = (float) (wD * wTail);
        float shiftR = (float) (reverse - gap);
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            gradientBlock(s, sb, probs, z, zb, g, gb, b, Math.min(bound, b + Streams.BLOCK), shiftS, shiftR,
                    wLm + cHead, cTail, cHead);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float q = (float) Math.exp(sv - shiftS);
            set(g, gb, i, q * ((wLm + cHead) + cTail * ((sv - get(z, zb, i)) - shiftR)) - cHead * get(probs, 0, i));
        }
        set(g, gb, y, get(g, gb, y) - wLm);
        out[0] = lseS - get(s, sb, y);
        out[1] = wHead * forward + wTail * reverse;
    }

    /**
     * Pass 2 over full vectors {@code [b, e)}: writes p and {@code |p - q|}; adds
     * {@code sum p (log p - log q)} and {@code sum q (log q - log p)} to {@code sums[0..1]}, raises
     * {@code sums[2]} to the largest p.
     */
    private static void divergenceBlock(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment probs,
                                        MemorySegment errors, int b, int e, float lseS, float lseZ, float gap,
                                        double[] sums) {
        FloatVector shiftS = FloatVector.broadcast(F, lseS);
        FloatVector shiftZ = FloatVector.broadcast(F, lseZ);
        FloatVector vGap = FloatVector.broadcast(F, gap);
        FloatVector forward = FloatVector.zero(F);
        FloatVector reverse = forward;
        FloatVector max = forward;
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector zv = load(z, zb, i);
            FloatVector q = exp(sv.sub(shiftS));
            FloatVector p = exp(zv.sub(shiftZ));
            FloatVector ratio = zv.sub(sv).sub(vGap); // log p - log q
            forward = forward.add(p.mul(ratio).blend(0f, p.compare(VectorOperators.EQ, 0f)));
            reverse = reverse.sub(q.mul(ratio));
            max = max.max(p);
            // the JDK's store: C2 late-inlines it (@ForceInline) where, past two inlined exps, it refuses
            // VectorMath.store (NodeCountInliningCutoff) and would box the vector for the call
            p.intoMemorySegment(probs, (long) i * Float.BYTES, VectorMath.ORDER);
            p.sub(q).abs().intoMemorySegment(errors, (long) i * Float.BYTES, VectorMath.ORDER);
        }
        sums[0] += VectorMath.sum(forward);
        sums[1] += VectorMath.sum(reverse);
        // a maximum is exact in any order
        sums[2] = Math.max(sums[2], max.reduceLanes(VectorOperators.MAX));
    }

    /**
     * The head of the {@code n} values p in {@code probs}, {@code maxP} their largest: the longest
     * prefix of p sorted descending whose sum, in fp32, is {@code <= mu}, or the top token alone; found
     * by quickselect on {@code order} (a copy of p it reorders).
     */
    static Head head(MemorySegment probs, int n, float mu, float maxP, float[] order) {
        if (maxP > mu) {
            return new Head(maxP, 1);
        }
        float[] c = order;
        MemorySegment.copy(probs, ValueLayout.JAVA_FLOAT, 0, c, 0, n);
        // [lo, hi): the region holding the boundary; [0, lo) the head so far, each above the region,
        // summing to acc; [hi, n) the tail so far, each below it
        int lo = 0;
        int hi = n;
        double acc = 0;
        float smallest = Float.NaN; // the head's smallest p so far
        while (lo < hi) {
            float x = pivot(c, lo, hi);
            int above = partitionAbove(c, lo, hi, x);
            if (above > lo) {
                // the running sum only grows: the first partial sum past mu settles it
                double sum = acc;
                float min = Float.POSITIVE_INFINITY;
                int i = lo;
                while (i < above && (float) (sum += c[i]) <= mu) {
                    min = Math.min(min, c[i]);
                    i++;
                }
                if (i < above) {
                    hi = above; // the boundary is above x
                    continue;
                }
                acc = sum;
                smallest = min;
                lo = above;
                continue;
            }
            // x is the region's largest: its copies join the head one at a time, as in a cumulative sum
            int equal = partitionAbove(c, lo, hi, Math.nextDown(x));
            int k = 0;
            while (k < equal - lo && (float) (acc + x) <= mu) {
                acc += x;
                k++;
            }
            if (k < equal - lo) {
                // the top p fits (it is at most mu), so when no copy of x does, the head is not empty
                return k > 0 ? new Head(x, k) : new Head(smallest, -1);
            }
            smallest = x;
            lo = equal;
        }
        return new Head(smallest, -1);
    }

    /**
     * The median of three values of the region at positions hashed from its bounds: spread like random
     * ones (no row's order makes the selection quadratic), yet the same for the same row every time.
     */
    private static float pivot(float[] c, int lo, int hi) {
        long h = (lo * 0x9E3779B97F4A7C15L) ^ (hi * 0xC2B2AE3D27D4EB4FL);
        int len = hi - lo;
        float a = c[lo + (int) Long.remainderUnsigned(h = SplitMix64.mix(h), len)];
        float b = c[lo + (int) Long.remainderUnsigned(h = SplitMix64.mix(h), len)];
        float d = c[lo + (int) Long.remainderUnsigned(SplitMix64.mix(h), len)];
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), d));
    }

    /**
     * Moves the values {@code > x} of {@code c[lo, hi)} to its front; returns where they end. Without
     * branches on the data (a swap every element), which random values would mispredict half the time.
     */
    private static int partitionAbove(float[] c, int lo, int hi, float x) {
        int at = lo;
        for (int i = lo; i < hi; i++) {
            float v = c[i];
            c[i] = c[at];
            c[at] = v;
            at += v > x ? 1 : 0;
        }
        return at;
    }

    /** {@code [g_head, g_tail]}: pass 3 over p and {@code |p - q|} in the workspace. */
    private static double[] headAndTail(MemorySegment probs, MemorySegment errors, int n, Head head) {
        float t = head.threshold();
        int bound = VectorMath.bound(n);
        // [above t, equal to t, below t, count equal]
        double[] sums = new double[4];
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            splitBlock(probs, errors, b, Math.min(bound, b + Streams.BLOCK), t, sums);
        }
        for (int i = bound; i < n; i++) {
            float p = get(probs, 0, i);
            float e = get(errors, 0, i);
            int k = p > t ? 0 : p == t ? 1 : 2;
            sums[k] += e;
            sums[3] += k == 1 ? 1 : 0;
        }
        if (head.ties() < 0 || head.ties() >= sums[3]) {
            return new double[]{sums[0] + sums[1], sums[2]};
        }
        // some of the tokens at the threshold are head: the lowest ids
        double headSum = sums[0];
        double tailSum = sums[2];
        int taken = 0;
        for (int i = 0; i < n; i++) {
            if (get(probs, 0, i) == t) {
                if (taken++ < head.ties()) {
                    headSum += get(errors, 0, i);
                } else {
                    tailSum += get(errors, 0, i);
                }
            }
        }
        return new double[]{headSum, tailSum};
    }

    /** Pass 3 over full vectors {@code [b, e)}: {@code |p - q|} summed by p against t, and the count of p = t. */
    private static void splitBlock(MemorySegment probs, MemorySegment errors, int b, int e, float t, double[] sums) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector above = zero;
        FloatVector equal = zero;
        FloatVector below = zero;
        int count = 0;
        for (int i = b; i < e; i += LANES) {
            FloatVector p = load(probs, 0, i);
            FloatVector err = load(errors, 0, i);
            VectorMask<Float> gt = p.compare(VectorOperators.GT, t);
            VectorMask<Float> eq = p.compare(VectorOperators.EQ, t);
            above = above.add(zero.blend(err, gt));
            equal = equal.add(zero.blend(err, eq));
            below = below.add(err.blend(0f, gt.or(eq)));
            count += eq.trueCount();
        }
        sums[0] += VectorMath.sum(above);
        sums[1] += VectorMath.sum(equal);
        sums[2] += VectorMath.sum(below);
        sums[3] += count;
    }

    /** Pass 4 over full vectors {@code [b, e)}: writes {@code g = q (c1 + c2 (s - z - shiftR)) - c3 p}. */
    private static void gradientBlock(MemorySegment s, long sb, MemorySegment probs, MemorySegment z, long zb,
                                      MemorySegment g, long gb, int b, int e, float lseS, float shiftR,
                                      float c1, float c2, float c3) {
        FloatVector shiftS = FloatVector.broadcast(F, lseS);
        FloatVector vR = FloatVector.broadcast(F, shiftR);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector q = exp(sv.sub(shiftS));
            FloatVector w = sv.sub(load(z, zb, i)).sub(vR).mul(c2).add(c1);
            store(q.mul(w).sub(load(probs, 0, i).mul(c3)), g, gb, i);
        }
    }
}
