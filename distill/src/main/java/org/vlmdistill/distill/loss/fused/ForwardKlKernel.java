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
import static org.vlmdistill.distill.loss.fused.VectorMath.set;
import static org.vlmdistill.distill.loss.fused.VectorMath.store;

/**
 * Forward KL at temperature T ({@link org.vlmdistill.distill.loss.ForwardKl}): with
 * {@code q_T = softmax(s / T)}, {@code p_T = softmax(z / T)} and c = 0 (cross entropy, what
 * {@code fkl} reports, as the official TAID code) or c = 1 (the divergence, generalized JSD at beta = 0),
 * <pre>
 * D     = T^2 sum_v p_T (c log p_T - log q_T)     (terms where p_T = 0 count 0)
 * dD/ds = T (q_T - p_T)                           (the same for both: H(p_T) has no gradient)
 * </pre>
 * Pass 1 reads s and z for {@code lse(s / T)} and {@code lse(z / T)} (and, at T != 1, once more for
 * {@code lse(s)}, which the LM term needs); pass 2 writes g. At T != 1 the LM term's
 * {@code softmax(s)} is added by a loop of its own over the block (still in L1): a third exp in
 * pass 2's loop would exceed C2's inlining budget.
 */
public final class ForwardKlKernel implements RowKernel {
    private final float temperature;
    /** c above: 0 for the cross entropy, 1 for KL. */
    private final float selfTerm;

    /**
     * @param crossEntropy report {@code -T^2 sum p_T log q_T} (true) or {@code T^2 KL(p_T || q_T)} (false);
     *                     the gradient is the same
     */
    public ForwardKlKernel(double temperature, boolean crossEntropy) {
        this.temperature = (float) temperature;
        this.selfTerm = crossEntropy ? 0f : 1f;
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        float inv = 1f / temperature;
        boolean unit = temperature == 1f;
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, inv, 0f, 0f, inv, lse);
        double lseS = unit ? lse[0] : Streams.logSumExp(s, sb, n, 1f);
        float lseX = (float) lse[0];
        float lseA = (float) lse[1];
        float wDT = wD * temperature;
        float wQ = unit ? wLm : 0f; // at T = 1, q_T is softmax(s): the LM term rides along
        boolean separateLm = !unit && wLm != 0;
        int bound = VectorMath.bound(n);
        double kl = 0;
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            int e = Math.min(bound, b + Streams.BLOCK);
            kl += block(s, sb, z, zb, g, gb, b, e, inv, lseX, lseA, wQ, wDT, selfTerm);
            if (separateLm) {
                addSoftmax(s, sb, g, gb, b, e, (float) lseS, wLm);
            }
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float logQ = sv * inv - lseX;
            float logP = get(z, zb, i) * inv - lseA;
            float q = (float) Math.exp(logQ);
            float p = (float) Math.exp(logP);
            kl += p == 0 ? 0 : p * (selfTerm * logP - logQ);
            float q1 = unit ? q : (float) Math.exp(sv - (float) lseS);
            set(g, gb, i, q1 * wLm + (q - p) * wDT);
        }
        set(g, gb, y, get(g, gb, y) - wLm);
        out[0] = lseS - get(s, sb, y);
        out[1] = (double) temperature * temperature * kl;
    }

    /**
     * Pass 2 over full vectors {@code [b, e)}: writes {@code g = wQ q_T + wDT (q_T - p_T)}, returns
     * {@code sum p_T (c log p_T - log q_T)}.
     */
    private static double block(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb, int b, int e,
                               float inv, float lseX, float lseA, float wQ, float wDT, float c) {
        FloatVector scale = FloatVector.broadcast(F, inv);
        FloatVector minusX = FloatVector.broadcast(F, -lseX);
        FloatVector minusA = FloatVector.broadcast(F, -lseA);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector logQ = load(s, sb, i).fma(scale, minusX);
            FloatVector logP = load(z, zb, i).fma(scale, minusA);
            FloatVector q = exp(logQ);
            FloatVector p = exp(logP);
            VectorMask<Float> zero = p.compare(VectorOperators.EQ, 0f);
            acc = acc.add(p.mul(logP.mul(c).sub(logQ)).blend(0f, zero));
            // not VectorMath.store: after two exps C2 is past its inlining node budget and would box
            q.mul(wQ).add(q.sub(p).mul(wDT)).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
        }
        return VectorMath.sum(acc);
    }

    /** {@code g += wLm softmax(s)} over full vectors {@code [b, e)}. */
    private static void addSoftmax(MemorySegment s, long sb, MemorySegment g, long gb, int b, int e, float lseS, float wLm) {
        FloatVector shift = FloatVector.broadcast(F, lseS);
        FloatVector weight = FloatVector.broadcast(F, wLm);
        for (int i = b; i < e; i += LANES) {
            store(exp(load(s, sb, i).sub(shift)).fma(weight, load(g, gb, i)), g, gb, i);
        }
    }
}
