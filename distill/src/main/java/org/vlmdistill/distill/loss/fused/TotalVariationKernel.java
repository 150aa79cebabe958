package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.ORDER;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.get;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;
import static org.vlmdistill.distill.loss.fused.VectorMath.set;

/**
 * Total variation distance ({@link org.vlmdistill.distill.loss.TotalVariation}): with q = softmax(s),
 * p = softmax(z),
 * <pre>
 * D     = 0.5 * sum_v |p - q|
 * u     = q * dD/dq = 0.5 * q * sign(q - p)     (sign(0) = 0, a subgradient)
 * dD/ds = u - q * sum_v u
 * </pre>
 * Pass 1 reads s and z for {@code lse(s)} and {@code lse(z)}; pass 2 (two exps an element) sums
 * {@code |p - q|} and u and writes u into g; pass 3 ({@link SoftmaxBackward}) writes g. Between nearly
 * disjoint distributions {@code sum u} is nearly 1/2 and g nearly 0: q and p are normalized as
 * {@link SoftmaxBackward} says.
 *
 * <p>Vector stores call {@code intoMemorySegment} directly (see {@link VectorMath#store}).
 */
public final class TotalVariationKernel implements RowKernel {

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, 0f, 1f, lse);
        float hiS = (float) lse[0];
        float hiZ = (float) lse[1];
        float scaleS = SoftmaxBackward.scale(lse[0], hiS);
        float scaleZ = SoftmaxBackward.scale(lse[1], hiZ);
        int bound = VectorMath.bound(n);
        double[] sums = ws.sums; // sum |q - p|, sum u
        sums[0] = 0;
        sums[1] = 0;
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            block(s, sb, z, zb, g, gb, b, Math.min(bound, b + Streams.BLOCK), hiS, scaleS, hiZ, scaleZ, sums);
        }
        for (int i = bound; i < n; i++) {
            float q = SoftmaxBackward.q(get(s, sb, i), hiS, scaleS);
            float d = q - SoftmaxBackward.q(get(z, zb, i), hiZ, scaleZ);
            float u = 0.5f * q * Math.signum(d);
            set(g, gb, i, u);
            sums[0] += Math.abs(d);
            sums[1] += u;
        }
        SoftmaxBackward.write(s, sb, g, gb, n, y, lse[0], wLm, wD, sums[1]);
        out[0] = lse[0] - get(s, sb, y);
        out[1] = 0.5 * sums[0];
    }

    /** Pass 2 over full vectors {@code [b, e)}: u into g; adds {@code sum |q - p|} and {@code sum u} to sums. */
    private static void block(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb, int b, int e,
                              float hiS, float scaleS, float hiZ, float scaleZ, double[] sums) {
        FloatVector vHiS = FloatVector.broadcast(F, hiS);
        FloatVector vScaleS = FloatVector.broadcast(F, scaleS);
        FloatVector vHiZ = FloatVector.broadcast(F, hiZ);
        FloatVector vScaleZ = FloatVector.broadcast(F, scaleZ);
        FloatVector accD = FloatVector.zero(F);
        FloatVector accU = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector q = exp(load(s, sb, i).sub(vHiS)).mul(vScaleS);
            FloatVector d = q.sub(exp(load(z, zb, i).sub(vHiZ)).mul(vScaleZ));
            FloatVector h = q.mul(0.5f);
            FloatVector u = h.blend(h.neg(), d.compare(VectorOperators.LT, 0f)).blend(0f, d.compare(VectorOperators.EQ, 0f));
            u.intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            accD = accD.add(d.abs());
            accU = accU.add(u);
        }
        sums[0] += VectorMath.sum(accD);
        sums[1] += VectorMath.sum(accU);
    }
}
