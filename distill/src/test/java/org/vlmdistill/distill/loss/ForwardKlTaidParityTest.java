package org.vlmdistill.distill.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.distill.schedule.Schedule;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fkl} (T = 1) and TAID at t = 1 (t_start = t_end = 1, so p_t = softmax(z)) are one loss in the
 * official TAID code ({@code TAID.compute_loss} calls {@code forward_kl} with {@code p_t}): both report
 * the cross entropy {@code -sum_v p log q} and have the gradient {@code q - p}. Checked on fresh random
 * batches, composed and fused paths, dense and truncated teachers, against each other and against the
 * cross entropy in fp64.
 */
class ForwardKlTaidParityTest {
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

    @Test
    void fklAndTaidAtTOneReportTheSameCrossEntropyAndGradient() {
        double worstLoss = 0;
        double worstGrad = 0;
        for (int round = 0; round < 8; round++) {
            int n = 1 + random.nextInt(12);
            int v = round % 2 == 0 ? 2 + random.nextInt(60) : 2048 + 1 + random.nextInt(600); // ragged; past one block
            boolean truncated = round % 4 >= 2;
            double ratio = new double[]{1, 0.5}[random.nextInt(2)];
            float[] s = gaussian(n * v, 2);
            float[] z = gaussian(n * v, 2);
            if (truncated) { // teacher log-probabilities on a random support, -inf elsewhere
                for (int r = 0; r < n; r++) {
                    for (int j = 0; j < v; j++) {
                        if (j != r % v && random.nextInt(3) == 0) {
                            z[r * v + j] = Float.NEGATIVE_INFINITY;
                        }
                    }
                }
            }
            long[] labels = random.longs(n, 0, v).toArray();
            double crossEntropy = crossEntropyMean(s, z, n, v);
            for (boolean fused : new boolean[]{false, true}) {
                String where = (fused ? "fused" : "composed") + " n=" + n + " v=" + v + " ratio=" + ratio
                        + (truncated ? " truncated" : "") + ", seed " + seed;
                Run fkl = run(new ForwardKl(1), fused, s, z, labels, n, v, ratio);
                Run taid = run(new Taid(1, 1, 5e-4, 0.99, true), fused, s, z, labels, n, v, ratio);
                assertEquals(fused, fkl.fused, where + ": fkl's path");
                assertEquals(fused, taid.fused, where + ": taid's path");
                double scale = Math.abs(crossEntropy);
                assertEquals(crossEntropy, fkl.distil, 2e-6 * scale, where + ": fkl reports -sum p log q");
                assertEquals(crossEntropy, taid.distil, 2e-6 * scale, where + ": taid at t = 1 reports -sum p log q");
                assertEquals(taid.distil, fkl.distil, 2e-6 * scale, where + ": fkl vs taid loss");
                assertEquals(taid.total, fkl.total, 2e-6 * Math.abs(taid.total), where + ": fkl vs taid total");
                worstLoss = Math.max(worstLoss, Math.abs(fkl.distil - taid.distil) / scale);
                for (int i = 0; i < fkl.grad.length; i++) {
                    assertEquals(taid.grad[i], fkl.grad[i], 1e-7, where + ": gradient element " + i);
                    worstGrad = Math.max(worstGrad, Math.abs(taid.grad[i] - fkl.grad[i]));
                }
            }
        }
        assertTrue(worstLoss < 2e-6);
        System.out.printf("fkl vs taid(t=1): max relative loss difference %.2e, max gradient difference %.2e, seed %d%n",
                worstLoss, worstGrad, seed);
    }

    private record Run(double distil, double total, float[] grad, boolean fused) {
    }

    private Run run(DistillationLoss loss, boolean fused, float[] s, float[] z, long[] labels, int n, int v, double ratio) {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.create(s, new Shape(n, v));
            NDArray teacher = m.create(z, new Shape(n, v));
            ChunkedLoss chunked = new ChunkedLoss(loss, new Schedule.Constant(ratio), 1 + random.nextInt(n + 1), fused);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits.setRequiresGradient(true);
                LossResult r = chunked.compute(new StudentRows.Logits(logits),
                        (from, to) -> teacher.get(new NDIndex("{}:{}", from, to)), labels, v, new LossContext(0, 10));
                r.backward().run(1.0);
                return new Run(r.distil(), r.total(), logits.getGradient().toFloatArray(), chunked.fused());
            }
        }
    }

    /** {@code mean_rows -sum_v p log q} in fp64, p = softmax(z) (0 where z = -inf), q = softmax(s). */
    private static double crossEntropyMean(float[] s, float[] z, int n, int v) {
        double sum = 0;
        for (int r = 0; r < n; r++) {
            double[] sr = new double[v];
            double[] zr = new double[v];
            for (int j = 0; j < v; j++) {
                sr[j] = s[r * v + j];
                zr[j] = z[r * v + j];
            }
            double[] p = Reference.softmax(zr);
            double[] logQ = Reference.logSoftmax(sr);
            for (int j = 0; j < v; j++) {
                if (p[j] > 0) {
                    sum -= p[j] * logQ[j];
                }
            }
        }
        return sum / n;
    }

    private float[] gaussian(int size, double sd) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (sd * random.nextGaussian());
        }
        return x;
    }
}
