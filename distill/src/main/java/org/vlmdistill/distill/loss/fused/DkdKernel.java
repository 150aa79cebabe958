package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.get;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;
import static org.vlmdistill.distill.loss.fused.VectorMath.set;
import static org.vlmdistill.distill.loss.fused.VectorMath.store;

/**
 * Decoupled KD ({@link org.vlmdistill.distill.loss.Dkd}): with y the label, {@code x = s / T},
 * {@code a = z / T}, {@code q = softmax(x)}, {@code p = softmax(a)}, and q^, p^ the softmax over the
 * tokens other than y,
 * <pre>
 * TCKD  = p_y log(p_y / q_y) + (1 - p_y) log((1 - p_y) / (1 - q_y))
 * NCKD  = KL(p^ || q^)                                  (0 when p^ does not exist: p_y = 1)
 * D     = T^2 (alpha TCKD + beta NCKD)
 * dD/ds = T (alpha (q_y - p_y) (onehot(y) - q^) + beta (q^ - p^))
 * </pre>
 * {@code log(1 - q_y) = lse(x without y) - lse(x)}, exact for q_y near 1. Pass 1 reads s and z once
 * for all four log-sum-exps (x and a over {@code [0, y)} and {@code (y, n)}, joined with and without
 * y); pass 2 writes g, two exps an element ({@code q^}, {@code p^}). At T = 1 the LM softmax is
 * {@code q^ (1 - q_y)} and costs nothing; at T != 1 a pass for {@code lse(s)} and a pass 3 adding
 * {@code wLm softmax(s)} to g do.
 *
 * <p>A row whose non-label teacher or student entries are all {@code -inf} gets {@code p^ = 0} or
 * {@code q^ = 0}, as the composed form; so at V = 1, D and dD/ds are 0.
 */
public final class DkdKernel implements RowKernel {
    private final float alpha;
    private final float beta;
    private final float temperature;

    public DkdKernel(double alpha, double beta, double temperature) {
        this.alpha = (float) alpha;
        this.beta = (float) beta;
        this.temperature = (float) temperature;
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        float inv = 1f / temperature;
        boolean unit = temperature == 1f;
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, y, inv, 0f, 0f, inv, lse);
        double lseXR = lse[0];
        double lseAR = lse[1];
        long after = (long) (y + 1) * Float.BYTES;
        Streams.logSumExp2(s, sb + after, z, zb + after, n - y - 1, inv, 0f, 0f, inv, lse);
        lseXR = Streams.logAddExp(lseXR, lse[0]);
        lseAR = Streams.logAddExp(lseAR, lse[1]);
        float xy = get(s, sb, y) * inv;
        float ay = get(z, zb, y) * inv;
        double lseX = Streams.logAddExp(lseXR, xy);
        double lseA = Streams.logAddExp(lseAR, ay);

        double logQy = xy - lseX;
        double logPy = ay - lseA;
        double log1mQy = lseXR - lseX;
        double log1mPy = lseAR - lseA;
        double qy = Math.exp(logQy);
        double py = Math.exp(logPy);
        boolean hasRest = lseAR != Double.NEGATIVE_INFINITY;
        double tckd = (py > 0 ? py * (logPy - logQy) : 0)
                + (hasRest ? Math.exp(log1mPy) * (log1mPy - log1mQy) : 0);

        // g_v = cQ q^_v - cP p^_v for v != y; at T = 1 the LM term wLm q_v = wLm (1 - q_y) q^_v joins cQ
        float wDT = wD * temperature;
        float cP = hasRest ? wDT * beta : 0f;
        float cQ = (float) (wDT * (beta * (hasRest ? 1 : 0) - alpha * (qy - py)) + (unit ? wLm * Math.exp(log1mQy) : 0));
        // a stream with no finite element subtracts 0, so its -inf elements give 0, not NaN
        double shiftXR = lseXR == Double.NEGATIVE_INFINITY ? 0 : lseXR;
        double shiftAR = hasRest ? lseAR : 0;
        float shiftX = (float) shiftXR;
        float shiftA = (float) shiftAR;
        // log p^ - log q^ = (a - x) - gap: the shifts' difference rounded once, not each shift
        float gap = (float) (shiftAR - shiftXR);
        int bound = VectorMath.bound(n);
        // the vector holding y goes element by element with the ragged tail
        int hole = y < bound ? y - y % LANES : bound;
        int holeEnd = Math.min(bound, hole + LANES);
        double nckd = 0;
        for (int b = 0; b < hole; b += Streams.BLOCK) {
            nckd += block(s, sb, z, zb, g, gb, b, Math.min(hole, b + Streams.BLOCK), inv, shiftX, shiftA, gap, cQ, cP);
        }
        for (int b = holeEnd; b < bound; b += Streams.BLOCK) {
            nckd += block(s, sb, z, zb, g, gb, b, Math.min(bound, b + Streams.BLOCK), inv, shiftX, shiftA, gap, cQ, cP);
        }
        for (int i = hole; i < holeEnd; i++) {
            nckd += i == y ? 0 : element(s, sb, z, zb, g, gb, i, inv, shiftX, shiftA, gap, cQ, cP);
        }
        for (int i = bound; i < n; i++) {
            nckd += i == y ? 0 : element(s, sb, z, zb, g, gb, i, inv, shiftX, shiftA, gap, cQ, cP);
        }
        set(g, gb, y, (float) (wDT * alpha * (qy - py) + (unit ? wLm * qy : 0)));
        double lseS = lseX;
        if (!unit) {
            lseS = Streams.logSumExp(s, sb, n, 1f);
            float shiftS = (float) lseS;
            for (int b = 0; b < bound; b += Streams.BLOCK) {
                addSoftmax(s, sb, g, gb, b, Math.min(bound, b + Streams.BLOCK), shiftS, wLm);
            }
            for (int i = bound; i < n; i++) {
                set(g, gb, i, (float) Math.exp(get(s, sb, i) - shiftS) * wLm + get(g, gb, i));
            }
        }
        set(g, gb, y, get(g, gb, y) - wLm);
        out[0] = lseS - get(s, sb, y);
        out[1] = (double) temperature * temperature * (alpha * tckd + beta * (hasRest ? nckd : 0));
    }

    /** Pass 2 over full vectors {@code [b, e)} without y: writes g, returns {@code sum p^ (log p^ - log q^)}. */
    private static double block(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb, int b, int e,
                                float inv, float shiftX, float shiftA, float gap, float cQ, float cP) {
        FloatVector vx = FloatVector.broadcast(F, shiftX);
        FloatVector va = FloatVector.broadcast(F, shiftA);
        FloatVector vg = FloatVector.broadcast(F, gap);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector x = load(s, sb, i).mul(inv);
            FloatVector a = load(z, zb, i).mul(inv);
            FloatVector q = exp(x.sub(vx));
            FloatVector p = exp(a.sub(va));
            acc = acc.add(p.mul(a.sub(x).sub(vg)).blend(0f, p.compare(VectorOperators.EQ, 0f)));
            // the JDK's store: C2 late-inlines it (@ForceInline) where, past two inlined exps, it refuses
            // VectorMath.store (NodeCountInliningCutoff) and would box the vector for the call
            q.mul(cQ).sub(p.mul(cP)).intoMemorySegment(g, gb + (long) i * Float.BYTES, VectorMath.ORDER);
        }
        return VectorMath.sum(acc);
    }

    /** Pass 2 for one element {@code i != y}, as {@link #block}. */
    private static double element(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb, int i,
                                  float inv, float shiftX, float shiftA, float gap, float cQ, float cP) {
        float x = get(s, sb, i) * inv;
        float a = get(z, zb, i) * inv;
        float q = (float) Math.exp(x - shiftX);
        float p = (float) Math.exp(a - shiftA);
        set(g, gb, i, q * cQ - p * cP);
        return p == 0 ? 0 : p * ((a - x) - gap);
    }

    /**
     * Pass 3 at T != 1 over full vectors {@code [b, e)}: {@code g += wLm softmax(s)}. A block method of
     * its own, as every pass: inlined into {@link #row}, its loop would come past C2's inlining budget.
     */
    private static void addSoftmax(MemorySegment s, long sb, MemorySegment g, long gb, int b, int e, float lseS,
                                   float wLm) {
        FloatVector shift = FloatVector.broadcast(F, lseS);
        for (int i = b; i < e; i += LANES) {
            store(exp(load(s, sb, i).sub(shift)).mul(wLm).add(load(g, gb, i)), g, gb, i);
        }
    }
}
