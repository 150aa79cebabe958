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
 * Generalized JSD at 0 < beta < 1 ({@link org.vlmdistill.distill.loss.GeneralizedJsd}; beta 0 and 1 are
 * {@link ForwardKlKernel} and {@link ReverseKlKernel}): with q = softmax(s), p = softmax(z),
 * {@code m = beta p + (1 - beta) q},
 * <pre>
 * D     = beta KL(p || m) + (1 - beta) KL(q || m)       (terms where p = 0, resp. q = 0, count 0)
 * u     = q * dD/dq = (1 - beta) q (log q - log m)
 * dD/ds = u - q * sum_v u
 * </pre>
 * {@code log m = M + log(1 + t)} with {@code A = log beta + log p}, {@code B = log(1 - beta) + log q},
 * {@code M = max(A, B)}, {@code t = exp(-|A - B|)} (logaddexp, as the reference). Where B is the
 * larger, {@code log q - log m = -log(1 - beta) - log(1 + t)}, and {@code log p - log m} is
 * {@code (z - s) - (lse(z) - lse(s) + log(1 - beta)) - log(1 + t)}; where A is, the other way round.
 * Where p = 0, {@code log q - log m} is {@code -log(1 - beta)} exactly (the reference rounds near
 * lse(s) there), and q is normalized as {@link SoftmaxBackward} says: g cancels there when most of q
 * lies outside a truncated teacher's support. Where {@code s_v = -inf} that term and its gradient
 * are 0, the limit, as in the reference.
 *
 * <p>Pass 1 reads s and z for {@code lse(s)} and {@code lse(z)}. Pass 2 runs three loops over each
 * tile of the row: the first (two exps an element) leaves t in g and q in the workspace's first tile,
 * the second (an exp and a log) p in its second tile and {@code log(1 + t)} in g, the third sums both
 * KL terms and writes u into g. Pass 3 ({@link SoftmaxBackward}) writes g.
 *
 * <p>Vector stores call {@code intoMemorySegment} directly (see {@link VectorMath#store}).
 */
public final class JsdKernel implements RowKernel {
    private final double beta;
    private final double logB;
    private final double log1mB;

    public JsdKernel(double beta) {
        if (!(beta > 0 && beta < 1)) {
            throw new IllegalArgumentException("beta must be in (0, 1) here (0 and 1 have their own kernels), was " + beta);
        }
        this.beta = beta;
        this.logB = Math.log(beta);
        this.log1mB = Math.log1p(-beta);
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, 0f, 1f, lse);
        Consts c = new Consts(lse[0], lse[1]);
        int bound = VectorMath.bound(n);
        MemorySegment tiles = ws.tiles();
        double[] sums = ws.sums; // sum p (log p - log m), sum q (log q - log m)
        sums[0] = 0;
        sums[1] = 0;
        for (int b = 0; b < bound; b += Workspace.TILE) {
            int e = Math.min(bound, b + Workspace.TILE);
            mixture(s, sb, z, zb, g, gb, tiles, b, e, c);
            logs(z, zb, g, gb, tiles, b, e, c);
            terms(s, sb, z, zb, g, gb, tiles, b, e, c, sums);
        }
        for (int i = bound; i < n; i++) {
            float sv = get(s, sb, i);
            float zv = get(z, zb, i);
            float a = zv - c.shiftA;
            float bq = sv - c.shiftB;
            float lw = (float) Math.log(1 + (float) Math.exp(-Math.abs(a - bq)));
            boolean bLarger = bq >= a;
            float p = SoftmaxBackward.q(zv, c.hiZ, c.scaleZ);
            float q = SoftmaxBackward.q(sv, c.hiS, c.scaleS);
            float teacherTerm = p == 0 ? 0 : p * ((bLarger ? zv - sv - c.kB : c.minusLogB) - lw);
            float studentTerm = q == 0 ? 0 : q * ((bLarger ? c.minusLog1mB : sv - zv - c.kA) - lw);
            sums[0] += teacherTerm;
            sums[1] += studentTerm;
            set(g, gb, i, c.studentWeight * studentTerm);
        }
        SoftmaxBackward.write(s, sb, g, gb, n, y, lse[0], wLm, wD, (1 - beta) * sums[1]);
        out[0] = lse[0] - get(s, sb, y);
        out[1] = beta * sums[0] + (1 - beta) * sums[1];
    }

    /**
     * A row's constants: {@code A = z - shiftA}, {@code B = s - shiftB}, the same roundings in every loop;
     * {@code log q - A = (s - z) - kA}, {@code log p - B = (z - s) - kB}; q and p as {@link SoftmaxBackward#q}.
     */
    private final class Consts {
        final float shiftA;
        final float shiftB;
        final float kA;
        final float kB;
        final float minusLogB = (float) -logB;
        final float minusLog1mB = (float) -log1mB;
        final float studentWeight = (float) (1 - beta);
        final float hiS;
        final float scaleS;
        final float hiZ;
        final float scaleZ;

        Consts(double lseS, double lseZ) {
            shiftA = (float) (lseZ - logB);
            shiftB = (float) (lseS - log1mB);
            kA = (float) (lseS - lseZ + logB);
            kB = (float) (lseZ - lseS + log1mB);
            hiS = (float) lseS;
            scaleS = SoftmaxBackward.scale(lseS, hiS);
            hiZ = (float) lseZ;
            scaleZ = SoftmaxBackward.scale(lseZ, hiZ);
        }
    }

    /** First loop over full vectors {@code [b, e)}: t into g, q into the first tile. */
    private static void mixture(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                                MemorySegment tiles, int b, int e, Consts c) {
        FloatVector shiftA = FloatVector.broadcast(F, c.shiftA);
        FloatVector shiftB = FloatVector.broadcast(F, c.shiftB);
        FloatVector hiS = FloatVector.broadcast(F, c.hiS);
        FloatVector scaleS = FloatVector.broadcast(F, c.scaleS);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            exp(load(z, zb, i).sub(shiftA).sub(sv.sub(shiftB)).abs().neg()).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
            exp(sv.sub(hiS)).mul(scaleS).intoMemorySegment(tiles, (long) (i - b) * Float.BYTES, ORDER);
        }
    }

    /** Second loop over full vectors {@code [b, e)}: p into the second tile, {@code log(1 + t)} over t in g. */
    private static void logs(MemorySegment z, long zb, MemorySegment g, long gb, MemorySegment tiles, int b, int e,
                             Consts c) {
        FloatVector hiZ = FloatVector.broadcast(F, c.hiZ);
        FloatVector scaleZ = FloatVector.broadcast(F, c.scaleZ);
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = b; i < e; i += LANES) {
            exp(load(z, zb, i).sub(hiZ)).mul(scaleZ).intoMemorySegment(tiles, Workspace.TILE_BYTES + (long) (i - b) * Float.BYTES, ORDER);
            logNormal(load(g, gb, i).add(one)).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
        }
    }

    /**
     * Third loop over full vectors {@code [b, e)}: {@code u = (1 - beta) q (log q - log m)} into g;
     * adds {@code sum p (log p - log m)} and {@code sum q (log q - log m)} to sums.
     */
    private static void terms(MemorySegment s, long sb, MemorySegment z, long zb, MemorySegment g, long gb,
                              MemorySegment tiles, int b, int e, Consts c, double[] sums) {
        FloatVector shiftA = FloatVector.broadcast(F, c.shiftA);
        FloatVector shiftB = FloatVector.broadcast(F, c.shiftB);
        FloatVector kA = FloatVector.broadcast(F, c.kA);
        FloatVector kB = FloatVector.broadcast(F, c.kB);
        float minusLogB = c.minusLogB;
        float minusLog1mB = c.minusLog1mB;
        float studentWeight = c.studentWeight;
        FloatVector accP = FloatVector.zero(F);
        FloatVector accQ = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector zv = load(z, zb, i);
            VectorMask<Float> bLarger = sv.sub(shiftB).compare(VectorOperators.GE, zv.sub(shiftA));
            FloatVector lw = load(g, gb, i);
            FloatVector q = load(tiles, 0, i - b);
            FloatVector p = load(tiles, Workspace.TILE_BYTES, i - b);
            FloatVector zs = zv.sub(sv);
            FloatVector teacher = p.mul(zs.sub(kB).blend(minusLogB, bLarger.not()).sub(lw));
            accP = accP.add(teacher.blend(0f, p.compare(VectorOperators.EQ, 0f)));
            FloatVector student = q.mul(zs.neg().sub(kA).blend(minusLog1mB, bLarger).sub(lw))
                    .blend(0f, q.compare(VectorOperators.EQ, 0f));
            accQ = accQ.add(student);
            student.mul(studentWeight).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
        }
        sums[0] += VectorMath.sum(accP);
        sums[1] += VectorMath.sum(accQ);
    }
}
