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
 * Reverse KL ({@link org.vlmdistill.distill.loss.ReverseKl}, and
 * {@link org.vlmdistill.distill.loss.GeneralizedJsd} at beta = 1): with q = softmax(s), p = softmax(z),
 * <pre>
 * D     = KL(q || p) = sum_v q (log q - log p)     (terms where q = 0 count 0)
 * dD/ds = q (log q - log p - D)                    (u = q (log q - log p), u - q sum u)
 * </pre>
 * Infinite where p = 0 and q is not, as the reference: it cannot read a truncated teacher. Where
 * {@code s_v = -inf} that term and its gradient are 0, the limit, as in the reference.
 *
 * <p>Pass 1 reads s and z for {@code lse(s)} and {@code lse(z)}; pass 2 writes u into g and sums it,
 * which is D; pass 3 ({@link SoftmaxBackward}) writes g. One exp an element in passes 2 and 3.
 * {@code log q - log p = (s - z) - (lse(s) - lse(z))}: one rounding of a difference of logits, not two
 * of numbers the size of lse.
 *
 * <p>Vector stores call {@code intoMemorySegment} directly (see {@link VectorMath#store}).
 */
public final class ReverseKlKernel implements RowKernel {

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, 0f, 1f, lse);
        float hi = (float) lse[0];
        float scale = SoftmaxBackward.scale(lse[0], hi);
        float dLse = (float) (lse[0] - lse[1]);
        int bound = VectorMath.bound(n);
        double kl = 0;
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            kl += block(s, sb, z, zb, g, gb, b, Math.min(bound, b + Streams.BLOCK), hi, scale, dLse);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float q = SoftmaxBackward.q(sv, hi, scale);
            float u = q == 0 ? 0 : q * (sv - get(z, zb, i) - dLse);
            set(g, gb, i, u);
            kl += u;
        }
        SoftmaxBackward.write(s, sb, g, gb, n, y, lse[0], wLm, wD, kl);
        out[0] = lse[0] - get(s, sb, y);
        out[1] = kl;
    }

    /** Pass 2 over full vectors {@code [b, e)}: {@code u = q (log q - log p)} into g, returns its sum. */
    private static double block(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb, int b, int e,
                                float hi, float scale, float dLse) {
        FloatVector vHi = FloatVector.broadcast(F, hi);
        FloatVector vScale = FloatVector.broadcast(F, scale);
        FloatVector vDLse = FloatVector.broadcast(F, dLse);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector q = exp(sv.sub(vHi)).mul(vScale);
            FloatVector u = q.mul(sv.sub(load(z, zb, i)).sub(vDLse)).blend(0f, q.compare(VectorOperators.EQ, 0f));
            u.intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            acc = acc.add(u);
        }
        return VectorMath.sum(acc);
    }
}
