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

/**
 * TAID at interpolation t ({@link org.vlmdistill.distill.loss.Taid}): with
 * {@code a = (1 - t) s + t z} ({@code a = s} at t = 0, {@code a = z} at t = 1),
 * <pre>
 * D     = -sum_v p_t(v) (s_v - lse(s))          p_t = softmax(a), terms where s_v = -inf count 0
 * dD/ds = softmax(s) - p_t                      (0 where s_v = -inf)
 * </pre>
 * Pass 1 reads s and z once for {@code lse(s)} and {@code lse(a)}; pass 2 reads them again (from
 * cache) and writes g: two exps an element in each pass. Pass 2 reads {@code s_i} and {@code z_i}
 * just before it writes {@code g_i}, so g may be s ({@link #inPlace()}).
 */
public final class TaidKernel implements RowKernel {
    private final float cs;
    private final float cz;
    /** Pass 2 reads {@code a = c1 u + c2 w}: rows (s, z) in between, (s, s) at t = 0, (z, z) at t = 1. */
    private final float c1;
    private final float c2;
    private final boolean uIsZ;
    private final boolean wIsZ;

    public TaidKernel(double t) {
        this.cs = t == 1 ? 0f : (float) (1 - t);
        this.cz = t == 0 ? 0f : (float) t;
        // at the ends a = s/2 + s/2 (or z/2 + z/2), exact for normal floats and -inf, never 0 * -inf:
        // one branch-free loop for every t (see Streams on branches in vector loops)
        boolean end = t == 0 || t == 1;
        this.c1 = end ? 0.5f : cs;
        this.c2 = end ? 0.5f : cz;
        this.uIsZ = t == 1;
        this.wIsZ = t != 0;
    }

    @Override
    public boolean inPlace() {
        return true;
    }

    @Override
    public void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
                    MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws) {
        double[] lse = ws.stats;
        Streams.logSumExp2(s, sb, z, zb, n, 1f, 0f, cs, cz, lse);
        float sy = get(s, sb, y); // before pass 2, which may write g over s
        float lseS = (float) lse[0];
        float lseA = (float) lse[1];
        MemorySegment u = uIsZ ? z : s;
        long ub = uIsZ ? zb : sb;
        MemorySegment w = wIsZ ? z : s;
        long wb = wIsZ ? zb : sb;
        int bound = VectorMath.bound(n);
        double loss = 0;
        for (int b = 0; b < bound; b += Streams.BLOCK) {
            loss += block(s, sb, u, ub, w, wb, g, gb, b, Math.min(bound, b + Streams.BLOCK), lseS, lseA, wLm, wD);
        }
        for (int i = bound; i < n; i++) { // the last n % LANES elements, one by one
            float sv = get(s, sb, i);
            float logQ = sv - lseS;
            float q = (float) Math.exp(logQ);
            float p = (float) Math.exp(get(u, ub, i) * c1 + get(w, wb, i) * c2 - lseA);
            boolean infinite = sv == Float.NEGATIVE_INFINITY;
            loss += infinite ? 0 : p * logQ;
            set(g, gb, i, q * wLm + (infinite ? 0 : (q - p) * wD));
        }
        set(g, gb, y, get(g, gb, y) - wLm);
        out[0] = lse[0] - sy;
        out[1] = -loss;
    }

    /** Pass 2 over full vectors {@code [b, e)}: writes g, returns {@code sum p_t log q}. */
    private double block(MemorySegment s, long sb, MemorySegment u, long ub, MemorySegment w, long wb,
                         MemorySegment g, long gb, int b, int e, float lseS, float lseA, float wLm, float wD) {
        FloatVector shiftS = FloatVector.broadcast(F, lseS);
        FloatVector shiftA = FloatVector.broadcast(F, lseA);
        FloatVector acc = FloatVector.zero(F);
        for (int i = b; i < e; i += LANES) {
            FloatVector sv = load(s, sb, i);
            FloatVector a = load(u, ub, i).mul(c1).add(load(w, wb, i).mul(c2));
            FloatVector logQ = sv.sub(shiftS);
            FloatVector q = exp(logQ);
            FloatVector p = exp(a.sub(shiftA));
            VectorMask<Float> infinite = sv.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY);
            acc = acc.add(p.mul(logQ).blend(0f, infinite));
            // not VectorMath.store: after two exps C2 is past its inlining node budget and would box
            q.mul(wLm).add(q.sub(p).mul(wD).blend(0f, infinite)).intoMemorySegment(g, gb + (long) i * Float.BYTES, ORDER);
        }
        return VectorMath.sum(acc);
    }
}
