package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static org.vlmdistill.distill.loss.fused.VectorMath.F;
import static org.vlmdistill.distill.loss.fused.VectorMath.LANES;
import static org.vlmdistill.distill.loss.fused.VectorMath.exp;
import static org.vlmdistill.distill.loss.fused.VectorMath.get;
import static org.vlmdistill.distill.loss.fused.VectorMath.load;
import static org.vlmdistill.distill.loss.fused.VectorMath.set;

/**
 * Curriculum temperature KD ({@link org.vlmdistill.distill.loss.Ctkd}) at the temperature
 * {@code T = 1 + 20 sigmoid(theta)} of the chunk: with {@code x = s / T}, {@code a = z / T},
 * {@code q = softmax(x)}, {@code p = softmax(a)},
 * <pre>
 * D         = T^2 K,  K = KL(p || q)                 (terms where p = 0 count 0)
 * dD/ds     = T (q - p)
 * dD/dT     = 2 T K + (E_p[s] - E_q[s]) - T sum_v p (log p - E_p[log p]) (log p - log q)
 * dD/dtheta = dD/dT 20 sigmoid(theta) (1 - sigmoid(theta))
 * </pre>
 * {@code out[2]} is the row's {@code lambda dD/dtheta}, lambda the gradient reversal at the chunk's
 * progress, as {@code Ctkd.forwardBackward}'s parameter gradient (ChunkedLoss scales both by the
 * ratio and the token mean). Pass 1 reads s and z for {@code lse(x)} and {@code lse(a)}, then s for
 * {@code lse(s)} (the LM term's); pass 2 writes {@code wD T (q - p)} and sums K, {@code E_p[a]}
 * and {@code E_p[s] - E_q[s]}; pass 3, which needs {@code E_p[a]}, sums the covariance and adds
 * {@code wLm softmax(s)} to g. Two exps an element in each pass.
 *
 * <p>dD/dT is a difference of terms up to thousands of times larger than itself, so its pieces are
 * formed from small quantities: {@code log p - log q = (a - x) - (lse(a) - lse(x))} with the
 * log-sum-exps' difference taken in double (each log-sum-exp rounded to fp32 alone would shift every
 * term by up to an ulp of lse, about 1e-6), and {@code log p - E_p[log p] = a - E_p[a]}.
 */
public final class CtkdKernel implements RowKernel {
    private final double temperature;
    /** {@code lambda 20 sigmoid(theta) (1 - sigmoid(theta))}: dD/dT to the handed-back dtheta. */
    private final double thetaFactor;

    /** @param sigmoid {@code sigmoid(theta)}; lambda the reversal factor at this point of training */
    public CtkdKernel(double sigmoid, double lambda) {
        this.temperature = 1 + 20 * sigmoid;
        this.thetaFactor = lambda * 20 * sigmoid * (1 - sigmoid);
    }

    @Override
    public int outputs() {
        return 3;
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        float t = (float) temperature;
        float inv = 1f / t;
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, inv, 0f, 0f, inv, lse);
        float lseX = (float) lse[0];
        float lseA = (float) lse[1];
        float gap = (float) (lse[1] - lse[0]);
        double lseS = inv == 1f ? lse[0] : Streams.logSumExp(s, sb, n, 1f);
        float wDT = wD * t;
        int bound = VectorMath.bound(n);

        // [K, E_p a, E_p s - E_q s]
        double[] sums = ws.sums;
        java.util.Arrays.fill(sums, 0);
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            gradientBlock(s, sb, z, zb, g, gb, b, Math.min(bound, b + Streams.BLOCK), inv, lseX, lseA, gap, wDT, sums);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float x = sv * inv;
            float a = get(z, zb, i) * inv;
            float q = (float) Math.exp(x - lseX);
            float p = (float) Math.exp(a - lseA);
            if (p != 0) {
                sums[0] += p * ((a - x) - gap);
                sums[1] += p * a;
            }
            sums[2] += (p - q) * sv;
            set(g, gb, i, (q - p) * wDT);
        }
        float meanA = (float) sums[1];
        double covariance = 0;
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            covariance += covarianceBlock(s, sb, z, zb, g, gb, b, Math.min(bound, b + Streams.BLOCK), inv, gap, lseA,
                    meanA, (float) lseS, wLm);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float x = sv * inv;
            float a = get(z, zb, i) * inv;
            float p = (float) Math.exp(a - lseA);
            covariance += p == 0 ? 0 : p * (a - meanA) * ((a - x) - gap);
            set(g, gb, i, (float) Math.exp(sv - (float) lseS) * wLm + get(g, gb, i));
        }
        set(g, gb, y, get(g, gb, y) - wLm);
        double k = sums[0];
        out[0] = lseS - get(s, sb, y);
        out[1] = temperature * temperature * k;
        out[2] = thetaFactor * (2 * temperature * k + sums[2] - temperature * covariance);
    }

    /**
     * Pass 2 over full vectors {@code [b, e)}: writes {@code g = wD T (q - p)}, adds
     * {@code sum p (log p - log q)}, {@code sum p a} and {@code sum (p - q) s} to {@code sums}.
     */
    private static void gradientBlock(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                                      int b, int e, float inv, float lseX, float lseA, float gap, float wDT,
                                      double[] sums) {
        FloatVector shiftX = FloatVector.broadcast(F, lseX);
        FloatVector shiftA = FloatVector.broadcast(F, lseA);
        FloatVector vGap = FloatVector.broadcast(F, gap);
        FloatVector kl = FloatVector.zero(F);
        FloatVector meanA = kl;
        FloatVector shift = kl;
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector x = sv.mul(inv);
            FloatVector a = load(z, zb, i).mul(inv);
            FloatVector q = exp(x.sub(shiftX));
            FloatVector p = exp(a.sub(shiftA));
            VectorMask<Float> zero = p.compare(VectorOperators.EQ, 0f);
            kl = kl.add(p.mul(a.sub(x).sub(vGap)).blend(0f, zero));
            meanA = meanA.add(p.mul(a).blend(0f, zero));
            FloatVector d = q.sub(p);
            shift = shift.sub(d.mul(sv));
            // the JDK's store: C2 late-inlines it (@ForceInline) where, past two inlined exps, it refuses
            // VectorMath.store (NodeCountInliningCutoff) and would box the vector for the call
            d.mul(wDT).intoMemorySegment(g, gb + (long) i * Float.BYTES, VectorMath.ORDER);
        }
        sums[0] += VectorMath.sum(kl);
        sums[1] += VectorMath.sum(meanA);
        sums[2] += VectorMath.sum(shift);
    }

    /**
     * Pass 3 over full vectors {@code [b, e)}: {@code g += wLm softmax(s)}; returns
     * {@code sum p (log p - E_p log p) (log p - log q) = sum p (a - E_p a) ((a - x) - gap)}.
     */
    private static double covarianceBlock(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                                          int b, int e, float inv, float gap, float lseA, float meanA, float lseS,
                                          float wLm) {
        FloatVector vGap = FloatVector.broadcast(F, gap);
        FloatVector shiftA = FloatVector.broadcast(F, lseA);
        FloatVector shiftS = FloatVector.broadcast(F, lseS);
        FloatVector mean = FloatVector.broadcast(F, meanA);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            // every load before the exps: after two inlined exps C2 inlines no more VectorMath helpers
            FloatVector sv = load(s, sb, i);
            FloatVector zv = load(z, zb, i);
            FloatVector gv = load(g, gb, i);
            FloatVector q1 = exp(sv.sub(shiftS));
            FloatVector a = zv.mul(inv);
            FloatVector p = exp(a.sub(shiftA));
            acc = acc.add(p.mul(a.sub(mean)).mul(a.sub(sv.mul(inv)).sub(vGap)).blend(0f, p.compare(VectorOperators.EQ, 0f)));
            // the JDK's store: C2 late-inlines it (@ForceInline) where, past two inlined exps, it refuses
            // VectorMath.store (NodeCountInliningCutoff) and would box the vector for the call
            q1.mul(wLm).add(gv).intoMemorySegment(g, gb + (long) i * Float.BYTES, VectorMath.ORDER);
        }
        return VectorMath.sum(acc);
    }
}
