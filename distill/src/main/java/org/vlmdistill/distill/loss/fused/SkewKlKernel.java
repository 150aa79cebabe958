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
 * Skew KL at a ({@link org.vlmdistill.distill.loss.SkewKl}): with q = softmax(s), p = softmax(z),
 * {@code m = a p + (1 - a) q},
 * <pre>
 * D     = -sum_v p log m                        (0 where p = 0)
 * u     = q * dD/dq = -(1 - a) p q / m          (0 where p = 0)
 * dD/ds = u - q * sum_v u
 * </pre>
 * {@code log m = M + log(1 + t)} with {@code A = log a + log p}, {@code B = log(1 - a) + log q},
 * {@code M = max(A, B)}, {@code t = exp(-|A - B|)} (logaddexp, as the reference), and
 * {@code (1 - a) q / m = exp(B - log m)}, which is {@code 1 / (1 + t)} where B is the larger and
 * {@code t / (1 + t)} where A is: no exp beyond t's. At a > 0, finite where only one of p and q is 0.
 *
 * <p>Pass 1 reads s and z for {@code lse(s)} and {@code lse(z)}. Pass 2 runs two loops over each
 * tile of the row: the first (two exps an element) leaves t in g and p in the workspace's first
 * tile, the second (one log) sums {@code p log m} and u and writes u into g. Pass 3
 * ({@link SoftmaxBackward}) writes g.
 *
 * <p>Vector stores call {@code intoMemorySegment} directly (see {@link VectorMath#store}).
 */
public final class SkewKlKernel implements RowKernel {
    private final double logA;
    private final double log1mA;

    public SkewKlKernel(double alpha) {
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1), was " + alpha);
        }
        this.logA = Math.log(alpha);
        this.log1mA = Math.log1p(-alpha);
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, 0f, 1f, lse);
        float hiZ = (float) lse[1];
        float scaleZ = SoftmaxBackward.scale(lse[1], hiZ);
        int bound = VectorMath.bound(n);
        // A = z - (lse(z) - log a), B = s - (lse(s) - log(1 - a)), the same roundings in every loop
        float shiftA = (float) (lse[1] - logA);
        float shiftB = (float) (lse[0] - log1mA);
        MemorySegment tiles = ws.tiles();
        double[] sums = ws.sums; // sum p log m, sum u
        sums[0] = 0;
        sums[1] = 0;
        for (int b = 0; b < bound; b += Workspace.TILE) {
            int e = Math.min(bound, b + Workspace.TILE);
            mixture(s, sb, z, zb, g, gb, tiles, b, e, shiftA, shiftB, hiZ, scaleZ);
            terms(s, sb, z, zb, g, gb, tiles, b, e, shiftA, shiftB, sums);
        }
        for (int i = bound; i < n; i++) {
            float zv = get(z, zb, i);
            float a = zv - shiftA;
            float bq = get(s, sb, i) - shiftB;
            float t = (float) Math.exp(-Math.abs(a - bq));
            float w = 1 + t;
            float p = SoftmaxBackward.q(zv, hiZ, scaleZ);
            float u = 0;
            if (p != 0) {
                sums[0] += p * (Math.max(a, bq) + (float) Math.log(w));
                u = -p * (bq >= a ? 1 : t) / w;
            }
            set(g, gb, i, u);
            sums[1] += u;
        }
        SoftmaxBackward.write(s, sb, g, gb, n, y, lse[0], wLm, wD, sums[1]);
        out[0] = lse[0] - get(s, sb, y);
        out[1] = -sums[0];
    }

    /** First loop over full vectors {@code [b, e)}: t into g, p into the first tile. */
    private static void mixture(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                                MemorySegment tiles, int b, int e, float shiftA, float shiftB, float hiZ, float scaleZ) {
        FloatVector vShiftA = FloatVector.broadcast(F, shiftA);
        FloatVector vShiftB = FloatVector.broadcast(F, shiftB);
        FloatVector vHiZ = FloatVector.broadcast(F, hiZ);
        FloatVector vScaleZ = FloatVector.broadcast(F, scaleZ);
        for (int i = b; i < e; i += LANES) {
            FloatVector zv = load(z, zb, i);
            FloatVector a = zv.sub(vShiftA);
            exp(a.sub(load(s, sb, i).sub(vShiftB)).abs().neg()).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            exp(zv.sub(vHiZ)).mul(vScaleZ).intoMemorySegment(tiles, (long) (i - b) * Float.BYTES, ORDER);
        }
    }

    /** Second loop over full vectors {@code [b, e)}: u into g; adds {@code sum p log m} and {@code sum u} to sums. */
    private static void terms(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                              MemorySegment tiles, int b, int e, float shiftA, float shiftB, double[] sums) {
        FloatVector vShiftA = FloatVector.broadcast(F, shiftA);
        FloatVector vShiftB = FloatVector.broadcast(F, shiftB);
        FloatVector accD = FloatVector.zero(F);
        FloatVector accU = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector a = load(z, zb, i).sub(vShiftA);
            FloatVector bq = load(s, sb, i).sub(vShiftB);
            VectorMask<Float> bLarger = bq.compare(VectorOperators.GE, a);
            FloatVector t = load(g, gb, i);
            FloatVector w = t.add(1f);
            FloatVector p = load(tiles, 0, i - b);
            VectorMask<Float> zero = p.compare(VectorOperators.EQ, 0f);
            accD = accD.add(p.mul(a.blend(bq, bLarger).add(logNormal(w))).blend(0f, zero));
            FloatVector u = p.neg().mul(t.blend(1f, bLarger)).div(w).blend(0f, zero);
            u.intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            accU = accU.add(u);
        }
        sums[0] += VectorMath.sum(accD);
        sums[1] += VectorMath.sum(accU);
    }
}
