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
 * The LM loss alone (SFT, or any loss at a distillation ratio of 0): {@code lm = lse(s) - s_y},
 * {@code g = wLm (softmax(s) - onehot(y))}. Two reads of the student row, one exp an element each.
 */
public final class CrossEntropyKernel implements RowKernel {

    @Override
    public boolean readsTarget() {
        return false;
    }

    /** The one pass that writes g reads {@code s_i} just before {@code g_i}. */
    @Override
    public boolean inPlace() {
        return true;
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double lse = Streams.logSumExp(s, sb, n, 1f);
        float sy = get(s, sb, y); // before the pass that may write g over s
        int bound = VectorMath.bound(n);
        // q wLm = exp(s - hi) (exp(hi - lse) wLm): lse rounded to fp32 would scale every q by up to
        // 1 + 2^-24 lse, and g_y = q_y - 1 cancels where the label is nearly certain
        float hi = (float) lse;
        float c = (float) (Math.exp(hi - lse) * wLm);
        block(s, sb, g, gb, bound, hi, c);
        for (int i = bound; i < n; i++) {
            set(g, gb, i, (float) Math.exp(get(s, sb, i) - hi) * c);
        }
        set(g, gb, y, get(g, gb, y) - wLm);
        out[0] = lse - sy;
        out[1] = 0;
    }

    private static void block(MemorySegment s, long sb, MemorySegment g, long gb, int bound, float hi, float c) {
        FloatVector shift = FloatVector.broadcast(F, hi);
        for (int i = 0; i < bound; i += LANES) {
            store(exp(load(s, sb, i).sub(shift)).mul(c), g, gb, i);
        }
    }
}
