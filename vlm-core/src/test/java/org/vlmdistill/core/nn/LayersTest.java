package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared layers against their formulas in double precision, on fresh random inputs. */
class LayersTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private float[] randn(int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * scale);
        }
        return x;
    }

    @Test
    void layerNormMatchesItsFormula() {
        int rows = 3;
        int dim = 1 + random.nextInt(40);
        float[] x = randn(rows * dim, 3);
        float[] w = randn(dim, 1);
        float[] b = randn(dim, 1);
        for (TorchOps ops : List.of(new ComposedOps(), new BridgeOps(LibTorchDispatcher.load().orElseThrow()))) {
            LayerNorm ln = new LayerNorm(manager.create(w), manager.create(b), 1e-5, ops);
            float[] y = ln.forward(manager.create(x, new Shape(rows, dim))).toFloatArray();
            for (int r = 0; r < rows; r++) {
                double mean = 0;
                for (int i = 0; i < dim; i++) {
                    mean += x[r * dim + i];
                }
                mean /= dim;
                double var = 0;
                for (int i = 0; i < dim; i++) {
                    var += Math.pow(x[r * dim + i] - mean, 2);
                }
                var /= dim;
                for (int i = 0; i < dim; i++) {
                    double expected = (x[r * dim + i] - mean) / Math.sqrt(var + 1e-5) * w[i] + b[i];
                    assertEquals(expected, y[r * dim + i], 1e-4 * (1 + Math.abs(expected)), "seed " + seed);
                }
            }
        }
    }

    @Test
    void activationsMatchTheirFormulas() {
        float[] x = randn(64, 3);
        TorchOps ops = new ComposedOps();
        NDArray in = manager.create(x);
        float[] gelu = Activations.apply("gelu", in, ops).toFloatArray();
        float[] tanh = Activations.apply("gelu_pytorch_tanh", in, ops).toFloatArray();
        float[] quick = Activations.apply("quick_gelu", in, ops).toFloatArray();
        float[] silu = Activations.apply("silu", in, ops).toFloatArray();
        float[] relu = Activations.apply("relu", in, ops).toFloatArray();
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double c = Math.sqrt(2 / Math.PI);
            assertEquals(0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v))), tanh[i], 1e-5, "seed " + seed);
            assertEquals(v / (1 + Math.exp(-1.702 * v)), quick[i], 1e-5, "seed " + seed);
            assertEquals(v / (1 + Math.exp(-v)), silu[i], 1e-5, "seed " + seed);
            assertEquals(Math.max(v, 0), relu[i], 0);
            // erf GELU and its tanh approximation differ by under 5e-4 everywhere
            assertEquals(tanh[i], gelu[i], 5e-4, "seed " + seed);
        }
        assertEquals(0.8413447f, Activations.apply("gelu", manager.create(new float[] {1}), ops).getFloat(0), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Activations.apply("mish", in, ops));
        assertTrue(e.getMessage().contains("\"mish\"") && e.getMessage().contains("gelu_pytorch_tanh"),
                e.getMessage());
    }

    @Test
    void embeddingGathersRowsAndAccumulatesGradientsOfRepeatedIds() {
        float[] table = randn(5 * 3, 1);
        NDArray weight = manager.create(table, new Shape(5, 3));
        weight.setRequiresGradient(true);
        Embedding e = new Embedding(weight);
        NDArray ids = manager.create(new long[] {4, 0, 4, 2}, new Shape(2, 2));
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
            NDArray y = e.forward(ids);
            assertEquals(new Shape(2, 2, 3), y.getShape());
            float[] v = y.toFloatArray();
            long[] flat = {4, 0, 4, 2};
            for (int p = 0; p < 4; p++) {
                for (int h = 0; h < 3; h++) {
                    assertEquals(table[(int) flat[p] * 3 + h], v[p * 3 + h]);
                }
            }
            gc.backward(y.sum());
        }
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2}, weight.getGradient().toFloatArray());
    }
}
