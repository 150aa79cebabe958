package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.tensor.DType;

/**
 * HF's {@code interpolate_pos_encoding}: the position embeddings, seen as a {@code side x side} grid,
 * resized with {@code F.interpolate(mode="bicubic", align_corners=False)}. Bicubic interpolation is
 * separable, so it is two small matrices applied with matmul ({@code out = Mh · grid · Mw^T} per
 * channel), and autograd reaches the embedding table through them.
 */
public final class PositionInterpolation {
    /** torch's {@code upsample_bicubic2d} uses Keys' cubic with A = -0.75 (Pillow uses -0.5). */
    public static final double A = -0.75;

    private PositionInterpolation() {
    }

    /**
     * torch's 1-D bicubic weights {@code [out][in]}, align_corners=False: source coordinate
     * {@code x = (in/out) (i + 0.5) - 0.5} (not clamped, as for cubic), taps {@code floor(x) - 1 .. floor(x) + 2}
     * clamped to the border, weights {@code W(t + 1), W(t), W(1 - t), W(2 - t)} with {@code t = x - floor(x)}.
     */
    public static double[][] bicubicMatrix(int in, int out) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("sizes must be positive, got " + in + " -> " + out);
        }
        // area_pixel_compute_scale computes the scale in float for float tensors
        float scale = (float) in / out;
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++) {
            float real = scale * (i + 0.5f) - 0.5f;
            int x0 = (int) Math.floor(real);
            double t = real - x0;
            double[] w = {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
            for (int k = 0; k < 4; k++) {
                int j = Math.min(Math.max(x0 - 1 + k, 0), in - 1);
                m[i][j] += w[k];
            }
        }
        return m;
    }

    /** Keys' cubic for |x| <= 1. */
    private static double cubic1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Keys' cubic for 1 < |x| < 2. */
    private static double cubic2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    /**
     * {@code grid} {@code [inH * inW, dim]} (row-major positions) to {@code [outH * outW, dim]}, computed
     * in fp32 (as torch's CPU kernel does for reduced precision) and returned in the grid's dtype.
     */
    public static NDArray interpolate(NDArray grid, int inH, int inW, int outH, int outW, TorchOps ops) {
        long dim = grid.getShape().get(1);
        if (grid.getShape().get(0) != (long) inH * inW) {
            throw new IllegalArgumentException("grid has " + grid.getShape().get(0) + " positions, not " + inH + "x" + inW);
        }
        if (inH == outH && inW == outW) {
            return grid;
        }
        DType dtype = ops.dtypeOf(grid);
        NDArray g32 = dtype == DType.F32 ? grid : ops.cast(grid, DType.F32);
        NDManager manager = grid.getManager();
        NDArray mh = matrix(manager, bicubicMatrix(inH, outH));
        NDArray mw = matrix(manager, bicubicMatrix(inW, outW));
        NDArray rows = mh.matMul(g32.reshape(inH, inW * dim)).reshape(outH, inW, dim); // [outH, inW, dim]
        NDArray both = mw.matMul(rows);                                              // [outH, outW, dim]
        NDArray out = both.reshape((long) outH * outW, dim);
        return dtype == DType.F32 ? out : ops.cast(out, dtype);
    }

    private static NDArray matrix(NDManager manager, double[][] m) {
        float[] flat = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                flat[i * m[i].length + j] = (float) m[i][j];
            }
        }
        return manager.create(flat, new Shape(m.length, m[0].length));
    }
}
