package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.ORDER;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.get;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;
import static org.vlmdistill.distill.loss.fused.VectorMath.logNormal;
import static org.vlmdistill.distill.loss.fused.VectorMath.set;

/**
 * Skew reverse KL at a ({@link org.vlmdistill.distill.loss.SkewReverseKl}): with q = softmax(s),
 * p = softmax(z), {@code m = (1 - a) p + a q},
 * <pre>
 * D     = sum_v q (log q - log m)                 (terms where q = 0 count 0)
 * u     = q * dD/dq = q * (log q + 1 - log m - a q / m)
 * dD/ds = u - q * sum_v u
 * </pre>
 * {@code log m = M + log(1 + t)} with {@code A = log(1 - a) + log p}, {@code B = log a + log q},
 * {@code M = max(A, B)}, {@code t = exp(-|A - B|)} (logaddexp, as the reference), and
 * {@code a q / m = exp(B - log m)}, which is {@code 1 / (1 + t)} where B is the larger and
 * {@code t / (1 + t)} where A is. {@code log q - log m} is {@code -log a - log(1 + t)} where B is the
 * larger and {@code (s - z) - (lse(s) - lse(z) + log(1 - a)) - log(1 + t)} where A is: where p = 0 it is
 * {@code -log a} exactly (the reference rounds near lse(s) there), and q is normalized as
 * {@link SoftmaxBackward} says, for g cancels there when most of q lies outside a truncated teacher's
 * support. At a = 1, m = q and D and u are exactly 0. Where {@code s_v = -inf} that term and its
 * gradient are 0, the limit, as in the reference.
 *
 * <p>Pass 1 reads s and z for {@code lse(s)} and {@code lse(z)}. Pass 2 runs two loops over each
 * tile of the row: the first (two exps an element) leaves t in g and q in the workspace's first
 * tile, the second (one log) sums the terms of D and u and writes u into g. Pass 3
 * ({@link SoftmaxBackward}) writes g.
 *
 * <p>Vector stores call {@code intoMemorySegment} directly (see {@link VectorMath#store}).
 */
public final class SkewReverseKlKernel implements RowKernel {
    private final double logA;
    private final double log1mA;

    public SkewReverseKlKernel(double alpha) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], was " + alpha);
        }
        this.logA = Math.log(alpha);
        this.log1mA = Math.log1p(-alpha);
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, 0f, 1f, lse);
        float hi = (float) lse[0];
        float scale = SoftmaxBackward.scale(lse[0], hi);
        int bound = VectorMath.bound(n);
        // A = z - (lse(z) - log(1 - a)), B = s - (lse(s) - log a), the same roundings in every loop
        float shiftA = (float) (lse[1] - log1mA);
        float shiftB = (float) (lse[0] - logA);
        float kA = (float) (lse[0] - lse[1] + log1mA); // log q - A = (s - z) - kA
        float minusLogA = (float) -logA;
        MemorySegment tiles = ws.tiles();
        double[] sums = ws.sums; // D, sum u
        sums[0] = 0;
        sums[1] = 0;
        for (int b = 0; b < bound; b += Workspace.TILE) {
            int e = Math.min(bound, b + Workspace.TILE);
            mixture(s, sb, z, zb, g, gb, tiles, b, e, shiftA, shiftB, hi, scale);
            terms(s, sb, z, zb, g, gb, tiles, b, e, shiftA, shiftB, kA, minusLogA, sums);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float q = SoftmaxBackward.q(sv, hi, scale);
            float u = 0;
            if (q != 0) {
                float a = get(z, zb, i) - shiftA;
                float bq = sv - shiftB;
                float t = (float) Math.exp(-Math.abs(a - bq));
                float w = 1 + t;
                float logRatio = (bq >= a ? minusLogA : sv - get(z, zb, i) - kA) - (float) Math.log(w);
                sums[0] += q * logRatio;
                u = q * (logRatio + 1 - (bq >= a ? 1 : t) / w);
            }
            set(g, gb, i, u);
            sums[1] += u;
        }
        SoftmaxBackward.write(s, sb, g, gb, n, y, lse[0], wLm, wD, sums[1]);
        out[0] = lse[0] - get(s, sb, y);
        out[1] = sums[0];
    }

    /** First loop over full vectors {@code [b, e)}: t into g, q into the first tile. */
    private static void mixture(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                                MemorySegment tiles, int b, int e, float shiftA, float shiftB, float hi, float scale) {
        FloatVector vShiftA = FloatVector.broadcast(F, shiftA);
        FloatVector vShiftB = FloatVector.broadcast(F, shiftB);
        FloatVector vHi = FloatVector.broadcast(F, hi);
        FloatVector vScale = FloatVector.broadcast(F, scale);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            exp(load(z, zb, i).sub(vShiftA).sub(sv.sub(vShiftB)).abs().neg()).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            exp(sv.sub(vHi)).mul(vScale).intoMemorySegment(tiles, (long) (i - b) * Float.BYTES, ORDER);
        }
    }

    /** Second loop over full vectors {@code [b, e)}: u into g; adds D's terms and u to sums. */
    private static void terms(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                              MemorySegment tiles, int b, int e, float shiftA, float shiftB, float kA, float minusLogA,
                              double[] sums) {
        FloatVector vShiftA = FloatVector.broadcast(F, shiftA);
        FloatVector vShiftB = FloatVector.broadcast(F, shiftB);
        FloatVector vKA = FloatVector.broadcast(F, kA);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector accD = FloatVector.zero(F);
        FloatVector accU = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector zv = load(z, zb, i);
            FloatVector a = zv.sub(vShiftA);
            FloatVector bq = sv.sub(vShiftB);
            VectorMask<Float> bLarger = bq.compare(VectorOperators.GE, a);
            FloatVector t = load(g, gb, i);
            FloatVector w = t.add(one);
            FloatVector q = load(tiles, 0, i - b);
            VectorMask<Float> zero = q.compare(VectorOperators.EQ, 0f);
            FloatVector logRatio = sv.sub(zv).sub(vKA).blend(minusLogA, bLarger).sub(logNormal(w));
            accD = accD.add(q.mul(logRatio).blend(0f, zero));
            FloatVector u = q.mul(logRatio.add(one).sub(t.blend(1f, bLarger).div(w))).blend(0f, zero);
            u.intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            accU = accU.add(u);
        }
        sums[0] += VectorMath.sum(accD);
        sums[1] += VectorMath.sum(accU);
    }
}
