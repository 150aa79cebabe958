package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernels' vector exp against {@code Math.exp}, on fresh random arguments over the whole fp32 range. */
class VectorMathTest {
    private final long seed = System.nanoTime();

    @Test
    void expIsWithinOneUlpOverTheFp32Range() {
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
                assertTrue(err <= 1.0, "exp(" + x[i] + ") = " + y[i] + ", exact " + exact + ": " + err + " ulp, seed " + seed);
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
}
