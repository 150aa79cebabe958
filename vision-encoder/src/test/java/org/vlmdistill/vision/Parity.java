package org.vlmdistill.vision;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outputs held to a reference implementation's: the measure every parity test of the module reports. */
public final class Parity {
    private Parity() {
    }

    /**
     * Asserts that {@code actual} matches {@code expected} at the rows (all but the last axis) that
     * {@code valid} marks (all when null): {@code max |actual - expected| / max |expected|} over those rows
     * at most {@code tolerance}; prints the difference and returns it.
     */
    public static double assertClose(String suite, String name, String ops, String what, NDArray actual,
                                     NDArray expected, long[] valid, double tolerance) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), name + " " + what + " shape");
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        int width = Math.toIntExact(expected.getShape().get(expected.getShape().dimension() - 1));
        double scale = 0;
        double diff = 0;
        int worst = -1;
        for (int i = 0; i < e.length; i++) {
            if (valid != null && valid[i / width] == 0) {
                continue;
            }
            scale = Math.max(scale, Math.abs(e[i]));
            double d = Math.abs((double) a[i] - e[i]);
            if (worst < 0 || d > diff) {
                diff = d;
                worst = i;
            }
        }
        double relative = diff / scale;
        System.out.printf(Locale.ROOT, "%s %-26s %-8s %-19s max |diff| / max |expected| = %.2e (scale %.3g)%n",
                suite, name, ops, what, relative, scale);
        int at = worst;
        assertTrue(relative <= tolerance, () -> String.format(Locale.ROOT,
                "%s, %s ops, %s: max relative difference %.3e > %.0e; worst at %s: %s vs expected %s",
                name, ops, what, relative, tolerance, index(expected.getShape().getShape(), at), a[at], e[at]));
        return relative;
    }

    /** The multi-index of flat C-order position {@code flat} in {@code shape}, as "[b, s, h]". */
    private static String index(long[] shape, int flat) {
        long[] at = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = rest % shape[d];
            rest /= shape[d];
        }
        return Arrays.toString(at);
    }
}
