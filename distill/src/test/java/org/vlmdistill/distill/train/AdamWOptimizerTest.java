package org.vlmdistill.distill.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.distill.schedule.Schedule;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWOptimizerTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private NDManager manager;
    private TorchOps ops;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        ops = ComputePolicy.of(Map.of("dtype", "fp32")).ops();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private float[] randomFloats(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    /** Leaves gradient {@code g} on {@code p}: backward of sum(p * g), in fp32 (DJL's backward aborts on a bf16 scalar). */
    private void setGradient(NDArray p, NDArray g) {
        TorchOps bridge = ComputePolicy.of(Map.of("ops", "bridge")).ops();
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            gc.backward(bridge.cast(p.mul(g).sum(), DType.F32));
        }
    }

    private static RunConfig.Optimizer settings(double maxNorm, double wd) {
        return new RunConfig.Optimizer(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8, wd, maxNorm);
    }

    @Test
    void stepsMatchTorchsAdamWWrittenOutInDoubles() {
        int n = 7;
        float[] p0 = randomFloats(n);
        NDArray p = manager.create(p0);
        p.setRequiresGradient(true);
        double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        double[] w = new double[n], m = new double[n], v = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = p0[i];
        }
        try (AdamWOptimizer opt = new AdamWOptimizer(List.of(new Parameter("w", p)), settings(0, wd), ops, manager)) {
            for (int step = 1; step <= 5; step++) {
                float[] g = randomFloats(n);
                setGradient(p, manager.create(g));
                opt.step(lr);
                for (int i = 0; i < n; i++) {
                    w[i] -= lr * wd * w[i];
                    m[i] = b1 * m[i] + (1 - b1) * g[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    double mh = m[i] / (1 - Math.pow(b1, step));
                    double vh = v[i] / (1 - Math.pow(b2, step));
                    w[i] -= lr * mh / (Math.sqrt(vh) + eps);
                }
                float[] got = p.toFloatArray();
                for (int i = 0; i < n; i++) {
                    assertEquals(w[i], got[i], 1e-5, "seed " + seed + ", step " + step + ", element " + i);
                }
                assertEquals(0f, p.getGradient().abs().sum().getFloat(), "gradients are zeroed after a step");
            }
            assertEquals(5, opt.steps());
        }
    }

    @Test
    void clippingScalesEveryGradientToTheGlobalNorm() {
        NDArray a = manager.create(randomFloats(5));
        NDArray b = manager.create(randomFloats(3));
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        float[] ga = randomFloats(5);
        float[] gb = randomFloats(3);
        setGradient(a, manager.create(ga));
        setGradient(b, manager.create(gb));
        double norm = 0;
        for (float x : ga) {
            norm += x * x;
        }
        for (float x : gb) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        double max = norm / 3;
        try (AdamWOptimizer opt = new AdamWOptimizer(List.of(new Parameter("a", a), new Parameter("b", b)),
                settings(max, 0), ops, manager)) {
            assertEquals(norm, opt.clipGradNorm(), 1e-5 * norm, "seed " + seed);
            double after = Math.sqrt(a.getGradient().square().sum().getFloat() + b.getGradient().square().sum().getFloat());
            assertEquals(max, after, 1e-4 * max, "seed " + seed);
            float[] ca = a.getGradient().toFloatArray();
            for (int i = 0; i < 5; i++) {
                assertEquals(ga[i] * max / norm, ca[i], 1e-5, "direction kept, seed " + seed);
            }
        }
    }

    @Test
    void savedStateResumesTheSameUpdates(@TempDir Path dir) throws Exception {
        float[] p0 = randomFloats(6);
        List<float[]> grads = List.of(randomFloats(6), randomFloats(6), randomFloats(6), randomFloats(6));
        NDArray straight = manager.create(p0);
        straight.setRequiresGradient(true);
        try (AdamWOptimizer opt = new AdamWOptimizer(List.of(new Parameter("w", straight)), settings(0, 0.01), ops, manager)) {
            for (float[] g : grads) {
                setGradient(straight, manager.create(g));
                opt.step(1e-2);
            }
        }
        NDArray resumed = manager.create(p0);
        resumed.setRequiresGradient(true);
        Path file = dir.resolve("optimizer.safetensors");
        try (AdamWOptimizer opt = new AdamWOptimizer(List.of(new Parameter("w", resumed)), settings(0, 0.01), ops, manager)) {
            for (float[] g : grads.subList(0, 2)) {
                setGradient(resumed, manager.create(g));
                opt.step(1e-2);
            }
            opt.save(file);
        }
        try (AdamWOptimizer opt = new AdamWOptimizer(List.of(new Parameter("w", resumed)), settings(0, 0.01), ops, manager)) {
            opt.load(file);
            assertEquals(2, opt.steps());
            for (float[] g : grads.subList(2, 4)) {
                setGradient(resumed, manager.create(g));
                opt.step(1e-2);
            }
        }
        assertArrayEquals(straight.toFloatArray(), resumed.toFloatArray(), "seed " + seed);
    }

    @Test
    void bf16ParametersFollowTheirFp32MasterWeights() {
        TorchOps bridge = ComputePolicy.of(Map.of("dtype", "bf16", "ops", "bridge")).ops();
        // both start from the same bf16 values, as a master copy of a bf16 checkpoint does
        float[] p0 = bridge.cast(bridge.cast(manager.create(randomFloats(8)), DType.BF16), DType.F32).toFloatArray();
        NDArray fp32 = manager.create(p0);
        fp32.setRequiresGradient(true);
        NDArray bf16 = bridge.cast(manager.create(p0), DType.BF16);
        bf16.setRequiresGradient(true);
        try (AdamWOptimizer a = new AdamWOptimizer(List.of(new Parameter("w", fp32)), settings(0, 0), bridge, manager);
             AdamWOptimizer b = new AdamWOptimizer(List.of(new Parameter("w", bf16)), settings(0, 0), bridge, manager)) {
            float[] g = randomFloats(8); // one direction throughout: Adam then moves each weight by ~lr a step
            for (int step = 0; step < 200; step++) {
                setGradient(fp32, manager.create(g));
                setGradient(bf16, bridge.cast(manager.create(g), DType.BF16));
                // each step (1e-4) is below half a bf16 step for |w| > 1/64: only a master copy keeps them
                a.step(1e-4);
                b.step(1e-4);
            }
            float[] want = fp32.toFloatArray();
            float[] got = bridge.cast(bf16, DType.F32).toFloatArray();
            float[] start = bridge.cast(bridge.cast(manager.create(p0), DType.BF16), DType.F32).toFloatArray();
            int moved = 0;
            for (int i = 0; i < 8; i++) {
                // the bf16 parameter is the fp32 trajectory rounded: within half a bf16 step (2^-8 relative)
                assertEquals(want[i], got[i], Math.abs(want[i]) * 0x1p-8 + 1e-6, "seed " + seed + ", element " + i);
                moved += got[i] != start[i] ? 1 : 0;
            }
            // 200 steps move a weight ~0.02, more than a bf16 step for |w| < 2 (all but ~5% of N(0, 1) draws)
            assertTrue(moved >= 6, "seed " + seed + ": only " + moved + " of 8 bf16 weights moved; updates were lost");
        }
    }

    @Test
    void namesTheFirstParameterHoldingNaNOrInfinityInOneReadWhenAllAreFinite() {
        NDArray a = manager.create(randomFloats(6));
        NDArray b = manager.create(randomFloats(4));
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        try (AdamWOptimizer opt = new AdamWOptimizer(List.of(new Parameter("a", a), new Parameter("b", b)),
                settings(0, 0), ops, manager)) {
            org.vlmdistill.core.tensor.HostReads.Tally tally = new org.vlmdistill.core.tensor.HostReads.Tally();
            assertEquals(java.util.Optional.empty(),
                    org.vlmdistill.core.tensor.HostReads.counting(tally, opt::nonFiniteParameter), "seed " + seed);
            assertEquals(1, tally.count());
            float[] v = b.toFloatArray();
            v[2] = Float.POSITIVE_INFINITY;
            b.set(v);
            assertEquals(java.util.Optional.of("b"), opt.nonFiniteParameter());
            v[2] = Float.NaN;
            b.set(v);
            assertEquals(java.util.Optional.of("b"), opt.nonFiniteParameter());
        }
    }
}
