package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels' vector exp and log against {@code Math.exp} and {@code Math.log}, on fresh random arguments
 * over the whole fp32 range.
 */
class VectorMathTest {
    private final long seed = System.nanoTime();

    @Test
    void expIsWithinOnePointZeroTwoUlpOverTheFp32Range() {
        Random random = new Random(seed);
        float[] x = new float[VectorMath.LANES];
        double worst = 0;
        for (int round = 0; round < 20_000; round++) {
            for (int i = 0; i < x.length; i++) {
                // uniform over [-103.9, 88.7], and a dense band near 0 where softmax lives
                x[i] = round % 2 == 0 ? (float) (-103.9 + random.nextDouble() * 192.6) : (float) (random.nextGaussian() * 8);
            }
            float[] y = VectorMath.exp(FloatVector.fromArray(VectorMath.F, x, 0)).toArray();
            for (int i = 0; i < x.length; i++) {
                double exact = Math.exp(x[i]);
                double ulp = Math.ulp((float) exact);
                double err = Math.abs(y[i] - exact) / ulp;
                // 1.0095 ulp the worst seen over 32M arguments (9 above 1 ulp), see VectorMath
                assertTrue(err <= 1.02, "exp(" + x[i] + ") = " + y[i] + ", exact " + exact + ": " + err + " ulp, seed " + seed);
                worst = Math.max(worst, err);
            }
        }
        System.out.printf("vector exp: worst error %.3f ulp over 320k random arguments, seed %d%n", worst, seed);
    }

    @Test
    void expOfSpecialValues() {
        float[] x = new float[VectorMath.LANES];
        float[] special = {Float.NEGATIVE_INFINITY, Float.NaN, 0f, -0f, 89f, Float.POSITIVE_INFINITY, -104.5f, -1e30f, 88.7f};
        System.arraycopy(special, 0, x, 0, Math.min(special.length, x.length));
        float[] y = VectorMath.exp(FloatVector.fromArray(VectorMath.F, x, 0)).toArray();
        assertEquals(0f, y[0]);
        assertTrue(Float.isNaN(y[1]));
        assertEquals(1f, y[2]);
        assertEquals(1f, y[3]);
        assertEquals(Float.POSITIVE_INFINITY, y[4]);
        assertEquals(Float.POSITIVE_INFINITY, y[5]);
        assertEquals(0f, y[6]);
        assertEquals(0f, y[7]);
        assertEquals((float) Math.exp(88.7f), y[8], Math.ulp((float) Math.exp(88.7f)));
    }

    @Test
    void logIsWithinOneUlpOverPositiveFloatsSubnormalsIncluded() {
        Random random = new Random(seed);
        float[] x = new float[VectorMath.LANES];
        double worst = 0;
        for (int round = 0; round < 30_000; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (round % 3) {
                    // every positive finite float equally likely by its bits: about 1 in 250 subnormal
                    case 0 -> Float.intBitsToFloat(1 + random.nextInt(0x7f7fffff));
                    // subnormals only, and a band around 1 where log is near 0 and its ulp small
                    case 1 -> i % 2 == 0 ? Float.intBitsToFloat(1 + random.nextInt(0x007fffff))
                            : (float) (1 + random.nextGaussian() * 0.05);
                    default -> (float) Math.exp(random.nextGaussian() * 10); // probabilities and mixtures
                };
            }
            float[] y = VectorMath.log(FloatVector.fromArray(VectorMath.F, x, 0)).toArray();
            for (int i = 0; i < x.length; i++) {
                double exact = Math.log(x[i]);
                double err = Math.abs(y[i] - exact) / Math.ulp((float) exact);
                assertTrue(err <= 1.0, "log(" + x[i] + ") = " + y[i] + ", exact " + exact + ": " + err + " ulp, seed " + seed);
                worst = Math.max(worst, err);
            }
        }
        System.out.printf("vector log: worst error %.3f ulp over 480k random arguments, seed %d%n", worst, seed);
    }

    @Test
    void logOfSpecialValues() {
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -1f, -Float.MIN_VALUE,
                Float.intBitsToFloat(0xffc00000), 1f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, 2f,
                Math.nextDown(Float.MIN_NORMAL), (float) Math.E, 0.5f};
        float[] x = new float[VectorMath.LANES];
        for (int from = 0; from < special.length; from += x.length) {
            int count = Math.min(x.length, special.length - from);
            java.util.Arrays.fill(x, 1f);
            System.arraycopy(special, from, x, 0, count);
            float[] y = VectorMath.log(FloatVector.fromArray(VectorMath.F, x, 0)).toArray();
            for (int i = 0; i < count; i++) {
                float exact = (float) Math.log(x[i]);
                if (Float.isNaN(exact) || Float.isInfinite(exact) || exact == 0) {
                    assertEquals(exact, y[i], "log(" + x[i] + ")"); // NaN, the infinities and log(1) exactly
                } else {
                    assertEquals(exact, y[i], Math.ulp(exact), "log(" + x[i] + ")");
                }
            }
        }
    }
}
