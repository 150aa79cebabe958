package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.vision.Tiny;
import org.vlmdistill.vision.vit.PixelShuffle;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * InternVL's {@code pixel_shuffle} element by element, on fresh random grids: working through its views
 * and permutes ({@code [n, w, h, c] -> [n, w, h r, c / r] -> permute -> [n, h r, w r, c / r^2]}, then for
 * ps_version v2 one more permute) gives, with {@code s = 1 / r}, token {@code (i, j)} feature
 * {@code (a s + b) d + c} = channel c of patch {@code (s i + a, s j + b)}; v1 leaves the token grid transposed.
 */
class PixelShuffleVersionsTest {
    private final NDManager manager = NDManager.newBaseManager();
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void v2AndV1PlaceEachPatchWhereTheReferenceDoes() {
        for (int trial = 0; trial < 20; trial++) {
            int s = 1 + random.nextInt(3);
            int side = s * (1 + random.nextInt(5));
            int d = 1 + random.nextInt(6);
            int n = 1 + random.nextInt(3);
            NDArray x = Tiny.randn(manager, random, n, (long) side * side, d);
            float[] in = x.toFloatArray();
            NDArray v2 = PixelShuffle.fold(x, s);
            NDArray v1 = PixelShuffle.foldTransposed(x, s);
            int out = side / s;
            long[] shape = {n, (long) out * out, (long) d * s * s};
            assertArrayEquals(shape, v2.getShape().getShape());
            assertArrayEquals(shape, v1.getShape().getShape());
            float[] a2 = v2.toFloatArray();
            float[] a1 = v1.toFloatArray();
            int width = d * s * s;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < out; j++) {
                        for (int a = 0; a < s; a++) {
                            for (int bb = 0; bb < s; bb++) {
                                for (int c = 0; c < d; c++) {
                                    float expected = in[(b * side * side + (s * i + a) * side + (s * j + bb)) * d + c];
                                    int f = (a * s + bb) * d + c;
                                    String at = "seed " + seed + ", s " + s + ", side " + side + ", token (" + i + ", "
                                            + j + "), feature " + f;
                                    assertEquals(expected, a2[(b * out * out + i * out + j) * width + f], at);
                                    assertEquals(expected, a1[(b * out * out + j * out + i) * width + f], "v1 " + at);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
