package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The vector pieces every fused row kernel is made of: whole-vector loads and stores, an fp32 exp
 * and log, and lane sums in a fixed order.
 *
 * <p>{@link #exp}: {@code exp(x) = 2^k exp(r)}, {@code k = round(x log2 e)}, {@code r = x - k ln 2}
 * split in two constants (Cody and Waite) so r is exact to fp32, {@code exp(r)} by Cephes' degree-7
 * minimax polynomial on {@code |r| <= ln2 / 2}, {@code 2^k} built in the exponent bits as two factors
 * so that results down to the smallest subnormal come out. Measured against {@code Math.exp}: at most
 * 1.01 ulp over the fp32 range (32M random arguments: worst 1.0095 ulp, 9 of them above 1 ulp; the
 * rounding of r and of the final {@code 1 + q} add up), as SLEEF's 1-ulp expf. The JDK's own
 * {@code VectorOperators.EXP} is within 1 ulp but about 4x slower here (1.4 ns an element against 0.35 on one core of this CPU, AVX-512).
 *
 * <p>{@link #log}: {@code x = 2^k (1 + f)} with {@code 1 + f} in {@code [sqrt(1/2), sqrt(2))}, split from
 * the bits (subnormals scaled by 2^23 first), {@code log(1 + f) = f - f^2 / 2 + f^3 P(f)} by Cephes'
 * degree-8 minimax P, {@code k ln 2} added last in the two constants of exp. Measured against
 * {@code Math.log}: at most 1 ulp over the positive fp32 range, subnormals included (VectorMathTest).
 *
 * <p>These helpers must be inlined into the kernels' loops, or C2 boxes every vector that crosses the
 * call (5x slower): {@code vlmd} and the tests pass {@code -XX:CompileCommand=inline} for this class.
 */
final class VectorMath {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** Below this exp is 0 in fp32 (half the smallest subnormal is about e^-103.97). */
    private static final float EXP_LOW = -104f;
    /** Above this exp overflows to +inf (log(Float.MAX_VALUE) is about 88.72; 2^128 rounds to +inf). */
    private static final float EXP_HIGH = 88.8f;

    // constants as vectors: a broadcast per use would cost an inlined call each in every kernel loop
    private static final FloatVector V_LOG2E = FloatVector.broadcast(F, LOG2E);
    private static final FloatVector V_ROUND = FloatVector.broadcast(F, ROUND);
    private static final FloatVector V_MINUS_LN2_HI = FloatVector.broadcast(F, -LN2_HI);
    private static final FloatVector V_MINUS_LN2_LO = FloatVector.broadcast(F, -LN2_LO);
    private static final FloatVector V_P0 = FloatVector.broadcast(F, 1.9875691500e-4f);
    private static final FloatVector V_P1 = FloatVector.broadcast(F, 1.3981999507e-3f);
    private static final FloatVector V_P2 = FloatVector.broadcast(F, 8.3334519073e-3f);
    private static final FloatVector V_P3 = FloatVector.broadcast(F, 4.1665795894e-2f);
    private static final FloatVector V_P4 = FloatVector.broadcast(F, 1.6666665459e-1f);
    private static final FloatVector V_P5 = FloatVector.broadcast(F, 5.0000001201e-1f);
    private static final FloatVector V_ONE = FloatVector.broadcast(F, 1f);
    private static final FloatVector V_ZERO = FloatVector.zero(F);
    private static final IntVector V_ROUND_BITS = IntVector.broadcast(F.withLanes(int.class), ROUND_BITS);
    private static final IntVector V_BIAS = IntVector.broadcast(F.withLanes(int.class), 127);

    /** Bits of sqrt(1/2) rounded to fp32: {@code bits(x) - SQRTH_BITS} has k in its exponent field. */
    private static final int SQRTH_BITS = 0x3f3504f3;
    private static final IntVector V_SQRTH_BITS = IntVector.broadcast(F.withLanes(int.class), SQRTH_BITS);
    private static final IntVector V_MANTISSA = IntVector.broadcast(F.withLanes(int.class), 0x007fffff);
    private static final FloatVector V_TWO_23 = FloatVector.broadcast(F, 0x1p23f);
    private static final FloatVector V_23 = FloatVector.broadcast(F, 23f);
    private static final FloatVector V_LN2_HI = FloatVector.broadcast(F, LN2_HI);
    private static final FloatVector V_LN2_LO = FloatVector.broadcast(F, LN2_LO);
    private static final FloatVector V_MINUS_HALF = FloatVector.broadcast(F, -0.5f);
    private static final FloatVector V_L0 = FloatVector.broadcast(F, 7.0376836292e-2f);
    private static final FloatVector V_L1 = FloatVector.broadcast(F, -1.1514610310e-1f);
    private static final FloatVector V_L2 = FloatVector.broadcast(F, 1.1676998740e-1f);
    private static final FloatVector V_L3 = FloatVector.broadcast(F, -1.2420140846e-1f);
    private static final FloatVector V_L4 = FloatVector.broadcast(F, 1.4249322787e-1f);
    private static final FloatVector V_L5 = FloatVector.broadcast(F, -1.6668057665e-1f);
    private static final FloatVector V_L6 = FloatVector.broadcast(F, 2.0000714765e-1f);
    private static final FloatVector V_L7 = FloatVector.broadcast(F, -2.4999993993e-1f);
    private static final FloatVector V_L8 = FloatVector.broadcast(F, 3.3333331174e-1f);

    private VectorMath() {
    }

    /** {@code exp} lane by lane; {@code -inf} gives 0, NaN gives NaN, above 88.72 gives {@code +inf}. */
    static FloatVector exp(FloatVector x) {
        // clamps by compare and blend (max/min would also order NaN and -0, at twice the cost); NaN stays NaN
        FloatVector c = x.blend(EXP_LOW, x.compare(VectorOperators.LT, EXP_LOW));
        c = c.blend(EXP_HIGH, c.compare(VectorOperators.GT, EXP_HIGH));
        FloatVector t = c.fma(V_LOG2E, V_ROUND);
        FloatVector kf = t.sub(V_ROUND);
        FloatVector r = kf.fma(V_MINUS_LN2_HI, c);
        r = kf.fma(V_MINUS_LN2_LO, r);
        FloatVector p = V_P0.fma(r, V_P1).fma(r, V_P2).fma(r, V_P3).fma(r, V_P4).fma(r, V_P5);
        p = p.fma(r.mul(r), r).add(V_ONE);
        // 2^k as two factors 2^(k >> 1) 2^(k - (k >> 1)), so k down to -150 still gives subnormals
        IntVector k = t.reinterpretAsInts().sub(V_ROUND_BITS);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = k1.add(V_BIAS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k.sub(k1).add(V_BIAS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /**
     * Natural log lane by lane: {@code log(0) = -inf} (either sign of 0), {@code log(+inf) = +inf},
     * NaN for a negative lane or a NaN.
     */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        // a subnormal x is scaled by 2^23 (exactly) and its exponent lowered by 23
        FloatVector r = logNormal(x.blend(x.mul(V_TWO_23), subnormal), V_ZERO.blend(V_23, subnormal));
        r = r.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        r = r.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        return r.blend(Float.NaN, x.compare(VectorOperators.GE, 0f).not());
    }

    /**
     * {@link #log} of lanes that are positive normal floats, a finite but meaningless value for others: 11
     * vector operations fewer, for kernel loops near C2's node budget whose argument is in range by
     * construction ({@code 1 + t}, t in [0, 1]) or whose other lanes are masked out.
     */
    static FloatVector logNormal(FloatVector x) {
        return logNormal(x, V_ZERO);
    }

    /** {@code log(x) - kShift ln 2} for positive normal x. */
    private static FloatVector logNormal(FloatVector x, FloatVector kShift) {
        // bits - bits(sqrt(1/2)): the exponent field is k, the mantissa field plus bits(sqrt(1/2)) is 1 + f
        IntVector ix = x.reinterpretAsInts().sub(V_SQRTH_BITS);
        FloatVector f = ix.and(V_MANTISSA).add(V_SQRTH_BITS).reinterpretAsFloats().sub(V_ONE);
        FloatVector k = ((FloatVector) ix.lanewise(VectorOperators.ASHR, 23).convert(VectorOperators.I2F, 0)).sub(kShift);
        FloatVector z = f.mul(f);
        FloatVector p = V_L0.fma(f, V_L1).fma(f, V_L2).fma(f, V_L3).fma(f, V_L4).fma(f, V_L5).fma(f, V_L6)
                .fma(f, V_L7).fma(f, V_L8);
        FloatVector y = p.mul(f).mul(z);
        y = k.fma(V_LN2_LO, y);
        y = z.fma(V_MINUS_HALF, y);
        return k.fma(V_LN2_HI, f.add(y));
    }

    /**
     * Where the full vectors of a row of {@code n} end: loops run whole vectors below it (no masks:
     * masked loads would not fit C2's inlining budget beside the kernels' arithmetic) and the
     * remaining {@code n % LANES} elements one by one.
     */
    static int bound(int n) {
        return n - n % LANES;
    }

    /** Elements {@code [i, i + LANES)} of a row at byte offset {@code base}. */
    static FloatVector load(MemorySegment m, long base, int i) {
        return FloatVector.fromMemorySegment(F, m, base + (long) i * Float.BYTES, ORDER);
    }

    /**
     * Stores elements {@code [i, i + LANES)}. In a loop that already holds two exps, call
     * {@code intoMemorySegment} directly instead: C2 is then past its inlining node budget
     * (NodeCountInliningCutoff, which no product flag raises), refuses this helper despite the
     * inline command, and boxes the vector; the JDK's own method is still inlined late.
     */
    static void store(FloatVector v, MemorySegment m, long base, int i) {
        v.intoMemorySegment(m, base + (long) i * Float.BYTES, ORDER);
    }

    /**
     * The lanes' sum, in lane order, in double: the same bits whether the vector code runs compiled or
     * not ({@code reduceLanes} adds in a different order in each, and a resumed run must repeat the
     * uninterrupted one bit for bit).
     */
    static double sum(FloatVector v) {
        double s = 0;
        for (float x : v.toArray()) {
            s += x;
        }
        return s;
    }

    static float get(MemorySegment m, long base, int i) {
        return m.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + (long) i * Float.BYTES);
    }

    static void set(MemorySegment m, long base, int i, float v) {
        m.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, base + (long) i * Float.BYTES, v);
    }

}
