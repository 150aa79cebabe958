package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.get;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;
import static org.vlmdistill.distill.loss.fused.VectorMath.set;
import static org.vlmdistill.distill.loss.fused.VectorMath.store;

/**
 * The last pass of the kernels whose distillation gradient is {@code dD/ds = u - q sum_v u}
 * ({@code u = q dD/dq}, q = softmax(s)): once an earlier pass has left u in the gradient row and
 * summed it, one read of s and g, one exp an element, gives
 * <pre>
 * g = q (wLm - wD sum_v u) + wD u - wLm onehot(y)
 * </pre>
 * Where {@code s_v = -inf}, q and u are 0 and so is g.
 *
 * <p>These gradients cancel where one side of the mixture dominates (total variation between nearly
 * disjoint distributions; JSD or skew reverse KL where most of q lies outside a truncated teacher's
 * support): there u is nearly {@code q sum_v u}, and a q off by a common factor {@code 1 + e} leaves
 * {@code e q sum_v u} in g however small g is. Rounding lse(s) to fp32 is such a factor, up to
 * {@code 2^-24 |lse(s)|}; so the kernels take {@code q = exp(s - hi) scale} with {@code hi} = lse(s) in
 * fp32 and {@code scale = exp(hi - lse(s))} ({@link #scale}, {@link #q}), which leaves the factor's own
 * rounding, {@code 2^-24}.
 */
final class SoftmaxBackward {
    private SoftmaxBackward() {
    }

    /** {@code exp(hi - lse)}: softmax(x) is {@code exp(x - hi) * scale}, with {@code hi = (float) lse}. */
    static float scale(double lse, float hi) {
        return (float) Math.exp(hi - lse);
    }

    /** {@code exp(x - hi) * scale}, one element as the vector loops compute it. */
    static float q(float x, float hi, float scale) {
        return (float) Math.exp(x - hi) * scale;
    }

    /**
     * @param lseS the log-sum-exp of s
     * @param sumU {@code sum_v u} over the row
     */
    static void write(MemorySegment s, long sb, MemorySegment g, long gb, int n, int y, double lseS, float wLm, float wD,
                      double sumU) {
        float hi = (float) lseS;
        // q c = exp(s - hi) (scale c): the factor folded into c, rounded once
        float c = (float) (Math.exp(hi - lseS) * (wLm - wD * sumU));
        int bound = VectorMath.bound(n);
        block(s, sb, g, gb, bound, hi, c, wD);
        for (int i = bound; i < n; i++) {
            set(g, gb, i, (float) Math.exp(get(s, sb, i) - hi) * c + wD * get(g, gb, i));
        }
        set(g, gb, y, get(g, gb, y) - wLm);
    }

    private static void block(MemorySegment s, long sb, MemorySegment g, long gb, int bound, float hi, float c, float wD) {
        FloatVector shift = FloatVector.broadcast(F, hi);
        FloatVector vc = FloatVector.broadcast(F, c);
        FloatVector vwD = FloatVector.broadcast(F, wD);
        for (int i = 0; i < bound; i += LANES) {
            store(exp(load(s, sb, i).sub(shift)).mul(vc).add(load(g, gb, i).mul(vwD)), g, gb, i);
        }
    }
}
