package org.vlmdistill.distill.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.distill.schedule.Schedule;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chunked loss against the naive one on fresh random inputs: the total and the gradients that
 * back-propagation leaves in the logits, or in the hidden states and lm_head weight,
 * for chunk sizes 1, 3, N and more than N, and distillation ratios 0, 0.5 and 1.
 */
class ChunkedLossTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private NDManager manager;
    private double worst;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void chunkedEqualsNaiveForEveryChunkSizeRatioAndRowKind() {
        LossContext context = new LossContext(4, 10);
        for (DistillationLoss loss : List.of(new Taid(0.4, 1, 5e-4, 0.99, true), new ForwardKl(2), new Ctkd(manager, 1),
                new Dkd(1, 8, 4), new AdaptiveKl(0.5), new Sft())) {
            int n = 2 + random.nextInt(9);
            int v = 5 + random.nextInt(12);
            int extra = random.nextInt(3); // the student's padded vocabulary is wider than the shared one
            int h = 3 + random.nextInt(6);
            for (int chunk : new int[]{1, 3, n, n + 4}) {
                for (double ratio : new double[]{0, 0.5, 1}) {
                    compare(loss, n, v, extra, h, chunk, ratio, false, context);
                    compare(loss, n, v, extra, h, chunk, ratio, true, context);
                }
            }
        }
        System.out.printf("chunked vs naive: max relative difference %.2e (total and gradients), seed %d%n", worst, seed);
    }

    private void compare(DistillationLoss loss, int n, int v, int extra, int h, int chunk, double ratio, boolean hidden,
                         LossContext context) {
        // on the logits path, half the time the gradient goes over the logits (cut to v when extra > 0)
        boolean over = !hidden && random.nextBoolean();
        String where = loss.name() + " n=" + n + " v=" + v + " extra=" + extra + " chunk=" + chunk + " ratio=" + ratio
                + (hidden ? " hidden" : over ? " logits, gradient over them" : " logits") + ", seed " + seed;
        try (NDManager m = manager.newSubManager()) {
            NDArray hiddenStates = m.randomNormal(new Shape(n, h));
            NDArray weight = m.randomNormal(0, 0.7f, new Shape(v + extra, h), DataType.FLOAT32);
            NDArray logits = m.randomNormal(0, 2, new Shape(n, v + extra), DataType.FLOAT32);
            NDArray teacher = m.randomNormal(0, 2, new Shape(n, v), DataType.FLOAT32);
            long[] labels = random.longs(n, 0, v).toArray();
            NDArray theta = loss.parameters().isEmpty() ? null : loss.parameters().getFirst().array();
            float[] thetaBefore = theta == null ? null : grad(theta);

            ChunkedLoss chunked = new ChunkedLoss(loss, new Schedule.Constant(ratio), chunk);
            if (over) {
                chunked = chunked.overwritingLogits();
            }
            float[] gLogits;
            float[] gHidden;
            float[] gWeight;
            LossResult r;
            NDArray[] in = copies(m, hiddenStates, weight, logits);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (NDArray x : in) {
                    x.setRequiresGradient(true);
                }
                StudentRows rows = hidden ? new StudentRows.Hidden(in[0], in[1]) : new StudentRows.Logits(in[2]);
                r = chunked.compute(rows, (from, to) -> teacher.get(new NDIndex("{}:{}", from, to)), labels, v, context);
                r.backward().run(1.0);
                gLogits = hidden ? null : in[2].getGradient().toFloatArray();
                gHidden = hidden ? in[0].getGradient().toFloatArray() : null;
                gWeight = hidden ? in[1].getGradient().toFloatArray() : null;
            }
            float[] thetaChunked = theta == null ? null : grad(theta);

            NDArray[] ref = copies(m, hiddenStates, weight, logits);
            double naiveTotal;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (NDArray x : ref) {
                    x.setRequiresGradient(true);
                }
                NDArray s = hidden ? ref[0].matMul(ref[1].get(new NDIndex("0:{}", v)).transpose())
                        : ref[2].get(new NDIndex(":, 0:{}", v));
                NDArray total = NaiveLoss.total(loss, s, teacher, m.create(labels), ratio, context);
                naiveTotal = total.toType(DataType.FLOAT64, false).getDouble();
                gc.backward(total);
            }
            close(r.total(), naiveTotal, where + " total");
            assertEquals(n, r.rows());
            if (hidden) {
                close(gHidden, ref[0].getGradient().toFloatArray(), where + " d hidden");
                close(gWeight, ref[1].getGradient().toFloatArray(), where + " d weight");
            } else {
                close(gLogits, ref[2].getGradient().toFloatArray(), where + " d logits");
            }
            if (theta != null) {
                float[] after = grad(theta);
                double chunkedGrad = thetaChunked[0] - thetaBefore[0];
                double naiveGrad = after[0] - thetaChunked[0];
                double lambda = ((Ctkd) loss).lambda(context);
                assertEquals(lambda * naiveGrad, chunkedGrad, 1e-4 * (1 + Math.abs(naiveGrad)), where + " d theta");
            }
        }
    }

    @Test
    void noRowsGiveNoBackwardAndSftHasNoDistillationValue() {
        ChunkedLoss c = new ChunkedLoss(new Taid(), new Schedule.Constant(1), 4);
        LossResult r = c.compute(new StudentRows.Logits(manager.zeros(new Shape(0, 5))), (a, b) -> null, new long[0], 5,
                new LossContext(0, 1));
        assertNull(r.backward());
        assertEquals(0, r.rows());
        NDArray logits = manager.randomNormal(new Shape(3, 5));
        LossResult sft = new ChunkedLoss(new Sft(), new Schedule.Constant(0.7), 2)
                .compute(new StudentRows.Logits(logits), null, new long[]{1, 2, 3}, 5, new LossContext(0, 1));
        assertTrue(Double.isNaN(sft.distil()));
        assertEquals(sft.lm(), sft.total());
    }

    /** A bf16 model's logits: cast through the bridge, gradient in bf16, equal to fp32's to bf16 precision. */
    @Test
    void bf16LogitsGetTheFp32GradientRoundedToBf16() {
        var dispatcher = LibTorchDispatcher.load();
        if (dispatcher.isEmpty()) {
            return; // no stable dispatcher in this libtorch: bf16 cannot exist here
        }
        BridgeOps ops = new BridgeOps(dispatcher.get());
        int n = 7;
        int v = 11;
        NDArray base = manager.randomNormal(0, 2, new Shape(n, v), DataType.FLOAT32);
        NDArray rounded = ops.cast(ops.cast(base, DType.BF16), DType.F32);
        NDArray teacher = manager.randomNormal(0, 2, new Shape(n, v), DataType.FLOAT32);
        long[] labels = random.longs(n, 0, v).toArray();
        LossContext context = new LossContext(1, 5);
        float[] expected;
        ChunkedLoss loss = new ChunkedLoss(new Taid(), new Schedule.Constant(0.5), 3, ops);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = rounded.duplicate();
            x.setRequiresGradient(true);
            loss.compute(new StudentRows.Logits(x), (a, b) -> teacher.get(new NDIndex("{}:{}", a, b)),
                    labels, v, context).backward().run(1.0);
            expected = x.getGradient().toFloatArray();
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = ops.cast(base, DType.BF16);
            x.setRequiresGradient(true);
            LossResult r = loss.compute(new StudentRows.Logits(x), (a, b) -> teacher.get(new NDIndex("{}:{}", a, b)),
                    labels, v, context);
            r.backward().run(1.0);
            assertEquals(DType.BF16, ops.dtypeOf(x.getGradient()));
            float[] got = ops.cast(x.getGradient(), DType.F32).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-2 * Math.abs(expected[i]) + 1e-6, "element " + i + ", seed " + seed);
            }
        }
    }

    private static NDArray[] copies(NDManager m, NDArray... xs) {
        NDArray[] out = new NDArray[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = xs[i].duplicate();
            out[i].attach(m);
        }
        return out;
    }

    private static float[] grad(NDArray x) {
        try {
            return x.getGradient().toFloatArray();
        } catch (RuntimeException e) {
            return new float[]{0};
        }
    }

    private void close(double got, double expected, String what) {
        double rel = Math.abs(got - expected) / (1e-6 + Math.abs(expected));
        worst = Math.max(worst, Math.min(rel, Math.abs(got - expected)));
        assertEquals(expected, got, 1e-5 * (1 + Math.abs(expected)), what);
    }

    private void close(float[] got, float[] expected, String what) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < got.length; i++) {
            double diff = Math.abs(got[i] - expected[i]);
            worst = Math.max(worst, diff / (1e-12 + scale));
            assertEquals(expected[i], got[i], 1e-5 * scale + 1e-7, what + " element " + i);
        }
    }
}
