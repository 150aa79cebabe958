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
import org.vlmdistill.core.tensor.FreedMemory;

import java.nio.ByteBuffer;
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

    /** d/dx of each activation at x, in double. */
    private static double derivative(String name, double x) {
        double k = Math.sqrt(2 / Math.PI);
        return switch (name) {
            case "gelu" -> 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> {
                double t = Math.tanh(k * (x + 0.044715 * x * x * x));
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
            }
            case "quick_gelu" -> {
                double s = 1 / (1 + Math.exp(-1.702 * x));
                yield s + 1.702 * x * s * (1 - s);
            }
            case "silu", "swish" -> {
                double s = 1 / (1 + Math.exp(-x));
                yield s + x * s * (1 - s);
            }
            case "relu" -> x > 0 ? 1 : 0;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** erf by its Maclaurin series (accurate to about 1e-6 up to |z| = 5), the sign beyond. */
    private static double erf(double z) {
        if (Math.abs(z) > 5) {
            return Math.signum(z);
        }
        double sum = 0;
        double term = z;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    /**
     * The gradient of every activation is its derivative, also when the garbage collector runs between
     * the forward and the backward and malloc reuses what it freed (as it does, now and then, in a long
     * training run). gelu_pytorch_tanh and quick_gelu once multiplied by Java numbers
     * ({@code x.mul(0.5)}, {@code x.pow(3)}): DJL wraps such a number in a 0-d tensor over a Java direct
     * buffer and frees it after the op, while autograd keeps the tensor for the backward, which then
     * read garbage: NaN gradients in the vision tower's MLP, a few steps into training.
     */
    @Test
    void activationGradientsMatchTheirDerivativesEvenWhenTheGcRunsBeforeTheBackward() {
        float[] fresh = randn(200, 3);
        float[] degenerate = {0f, 1e-3f, -1e-3f, 1f, -1f, 3f, -3f, 8f, -8f};
        for (TorchOps ops : List.of(new ComposedOps(), new BridgeOps(LibTorchDispatcher.load().orElseThrow()))) {
            for (String name : Activations.SUPPORTED) {
                for (float[] x : List.of(fresh, degenerate)) {
                    NDArray in = manager.create(x);
                    in.setRequiresGradient(true);
                    List<ByteBuffer> held;
                    try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                        NDArray y = Activations.apply(name, in, ops);
                        held = FreedMemory.collectAndReuse();
                        gc.backward(y.sum());
                    }
                    float[] g = in.getGradient().toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        double expected = derivative(name, x[i]);
                        assertEquals(expected, g[i], 1e-4 * (1 + Math.abs(expected)),
                                name + " at x = " + x[i] + " (" + ops.describe() + "), seed " + seed);
                    }
                    assertTrue(held.size() > 0);
                }
            }
        }
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
