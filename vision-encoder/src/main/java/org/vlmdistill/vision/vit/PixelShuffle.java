package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;

/**
 * Pixel shuffle (space to depth) of a square grid of patch features, as Idefics3's connector and
 * InternVL's {@code pixel_shuffle} (ps_version v2, {@code downsample_ratio = 1 / s}) do it: the same
 * views and permutes in both, so token {@code (i, j)} of the {@code side / s} grid holds the features of
 * patch block {@code (s i .. s i + s - 1, s j .. s j + s - 1)}, row by row, each row's {@code s}
 * patches side by side: feature {@code (a s + b) d + c} is channel c of patch {@code (s i + a, s j + b)}.
 */
public final class PixelShuffle {
    private PixelShuffle() {
    }

    /**
     * {@code [b, seq, d]} with {@code seq = side^2} (row-major patches) to {@code [b, seq / s^2, d s^2]}.
     *
     * @throws IllegalArgumentException unless the patches form a square grid whose side s divides
     */
    public static NDArray fold(NDArray x, int s) {
        long b = x.getShape().get(0);
        long seq = x.getShape().get(1);
        long d = x.getShape().get(2);
        long side = side(seq, s);
        // [b, side, side/s, d s] -> [b, side/s, side, d s] -> [b, side/s, side/s, d s^2] -> swap the grid axes back
        NDArray y = x.reshape(b, side, side / s, d * s);
        y = y.transpose(0, 2, 1, 3);
        y = y.reshape(b, side / s, side / s, d * s * s);
        y = y.transpose(0, 2, 1, 3);
        return y.reshape(b, seq / ((long) s * s), d * s * s);
    }

    /**
     * InternVL's ps_version "v1": {@link #fold} without the last swap of the grid axes, so the folded
     * grid comes out transposed (token {@code (j, i)} holds block {@code (i, j)}); the features of each
     * token are the same.
     */
    public static NDArray foldTransposed(NDArray x, int s) {
        long b = x.getShape().get(0);
        long seq = x.getShape().get(1);
        long d = x.getShape().get(2);
        long side = side(seq, s);
        NDArray y = x.reshape(b, side, side / s, d * s);
        y = y.transpose(0, 2, 1, 3);
        return y.reshape(b, seq / ((long) s * s), d * s * s);
    }

    private static long side(long seq, int s) {
        long side = Math.round(Math.sqrt(seq));
        if (s <= 0 || side * side != seq || side % s != 0) {
            throw new IllegalArgumentException("pixel shuffle needs a square patch grid whose side divides by "
                    + s + ", got " + seq + " patches");
        }
        return side;
    }
}
