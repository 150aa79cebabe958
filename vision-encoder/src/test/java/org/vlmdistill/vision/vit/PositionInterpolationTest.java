package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.vlmdistill.vision.Tiny;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PositionInterpolationTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @Test
    void theMatrixIsTheIdentityAtTheSameSize() {
        for (int n = 1; n <= 9; n++) {
            double[][] m = PositionInterpolation.bicubicMatrix(n, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(i == j ? 1.0 : 0.0, m[i][j], 1e-12, n + ": [" + i + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void rowsSumToOne() {
        int in = 2 + random.nextInt(10);
        int out = 1 + random.nextInt(20);
        for (double[] row : PositionInterpolation.bicubicMatrix(in, out)) {
            double s = 0;
            for (double v : row) {
                s += v;
            }
            assertEquals(1.0, s, 1e-6, "seed " + seed + ", " + in + " -> " + out);
        }
    }

    @Test
    void nativeSizeReturnsTheGridItself() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray grid = Tiny.randn(m, random, 16, 8);
            assertSame(grid, PositionInterpolation.interpolate(grid, 4, 4, 4, 4, Tiny.fp32().ops()));
        }
    }

    /** torch's upsample_bicubic2d, written per output element with its 4x4 clamped taps. */
    private static double reference(float[] grid, int inH, int inW, int dim, int outH, int outW, int y, int x, int d) {
        float sy = (float) inH / outH;
        float sx = (float) inW / outW;
        float ry = sy * (y + 0.5f) - 0.5f;
        float rx = sx * (x + 0.5f) - 0.5f;
        int y0 = (int) Math.floor(ry);
        int x0 = (int) Math.floor(rx);
        double ty = ry - y0;
        double tx = rx - x0;
        double sum = 0;
        for (int a = -1; a <= 2; a++) {
            for (int b = -1; b <= 2; b++) {
                int yy = Math.clamp(y0 + a, 0, inH - 1);
                int xx = Math.clamp(x0 + b, 0, inW - 1);
                sum += keys(a - ty) * keys(b - tx) * grid[(yy * inW + xx) * dim + d];
            }
        }
        return sum;
    }

    /** Keys' cubic convolution kernel, A = -0.75. */
    private static double keys(double x) {
        double a = -0.75;
        double t = Math.abs(x);
        if (t <= 1) {
            return ((a + 2) * t - (a + 3)) * t * t + 1;
        }
        if (t < 2) {
            return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        }
        return 0;
    }

    @Test
    void matchesADirectBicubicComputation() {
        int inH = 2 + random.nextInt(6);
        int inW = 2 + random.nextInt(6);
        int outH = 1 + random.nextInt(10);
        int outW = 1 + random.nextInt(10);
        int dim = 3;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray grid = Tiny.randn(m, random, (long) inH * inW, dim);
            float[] g = grid.toFloatArray();
            NDArray out = PositionInterpolation.interpolate(grid, inH, inW, outH, outW, Tiny.fp32().ops());
            assertEquals(new Shape((long) outH * outW, dim), out.getShape());
            float[] o = out.toFloatArray();
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    for (int d = 0; d < dim; d++) {
                        double want = reference(g, inH, inW, dim, outH, outW, y, x, d);
                        double got = o[(y * outW + x) * dim + d];
                        assertTrue(Math.abs(want - got) < 1e-5, "seed " + seed + ": " + inH + "x" + inW + " -> "
                                + outH + "x" + outW + " at (" + y + "," + x + "," + d + "): " + got + " vs " + want);
                    }
                }
            }
        }
    }

    @Test
    void upsamplingTwoToFourMatchesAHandComputation() {
        // [[0, 1], [2, 3]] to 4x4, first row, by hand from torch's formula: sources -0.25, 0.25, 0.75, 1.25;
        // 1-D weights [1.10546875, -0.10546875], [0.7734375, 0.2265625] and mirrored (A = -0.75, clamped
        // borders), so row 0 is m[x][1] + 2 m[0][1]. Not checked against torch itself (no torch here).
        double[][] m = PositionInterpolation.bicubicMatrix(2, 4);
        double[] row = new double[4];
        for (int x = 0; x < 4; x++) {
            double v = 0;
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    v += m[0][i] * m[x][j] * (2 * i + j);
                }
            }
            row[x] = v;
        }
        double[] want = {-0.31640625, 0.015625, 0.5625, 0.89453125};
        for (int x = 0; x < 4; x++) {
            assertEquals(want[x], row[x], 1e-7, "column " + x);
        }
    }
}
