package org.vlmdistill.distill.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each loss's value and closed-form gradient: against values worked out from the formulas in plain
 * doubles ({@link Reference}), against central finite differences of those formulas, and against
 * autograd through {@link NaiveLoss}.
 */
class LossGradientTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final LossContext context = new LossContext(3, 10);
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Two rows over three tokens, values chosen by hand; the second teacher row truncated to two tokens. */
    @Test
    void everyLossMatchesItsFormulaOnATinyHandMadeInput() {
        double[][] s = {{1.0, -0.5, 2.0}, {0.3, 0.2, -1.0}};
        double[][] zFull = {{0.5, 0.1, 1.5}, {2.0, -1.0, 0.0}};
        double[][] zCut = {{0.5, 0.1, 1.5}, {2.0, Double.NEGATIVE_INFINITY, 0.0}};
        int[] y = {2, 0};
        for (DistillationLoss loss : LossTestSupport.everyLoss(manager)) {
            double[][] z = loss.acceptsTruncatedTeacher() ? zCut : zFull;
            ChunkGradient g = loss.forwardBackward(chunk(s, z, y, false), context);
            double expected = 0;
            for (int r = 0; r < 2; r++) {
                expected += Reference.row(loss, s[r], z[r], y[r], Reference.freeze(loss, s[r], z[r]), 0);
            }
            assertEquals(expected, g.lossSum(), 2e-6 * (1 + Math.abs(expected)), LossTestSupport.label(loss));
            assertEquals(new Shape(2, 3), g.studentGrad().getShape());
        }
    }

    /** A few numbers worked out on paper: one row, s = (0, 0, ln 2), teacher (0, ln 2, 0), label 0. */
    @Test
    void knownValuesOnOneRow() {
        double ln2 = Math.log(2);
        double[][] s = {{0, 0, ln2}};
        double[][] z = {{0, ln2, 0}};
        int[] y = {0};
        // q = (1/4, 1/4, 1/2), p = (1/4, 1/2, 1/4)
        double kl = 0.5 * Math.log(2) + 0.25 * Math.log(0.5); // KL(p||q) = 1/2 ln2 + 1/4 ln(1/2) = 1/4 ln 2
        assertEquals(0.25 * ln2, kl, 1e-12);
        // fkl reports the cross entropy H(p, q) = KL(p||q) + H(p) = 1/4 ln 2 + 3/2 ln 2 (official TAID code's convention)
        assertEquals(1.75 * ln2, new ForwardKl(1).forwardBackward(chunk(s, z, y, false), context).lossSum(), 1e-6);
        assertEquals(0.25 * ln2, new ReverseKl().forwardBackward(chunk(s, z, y, false), context).lossSum(), 1e-6);
        assertEquals(0.25, new TotalVariation().forwardBackward(chunk(s, z, y, false), context).lossSum(), 1e-6);
        assertEquals(Math.log(4), new Sft().forwardBackward(chunk(s, z, y, false), context).lossSum(), 1e-6);
        // TAID at t = 0.5: p_t = softmax(0, ln2/2, ln2/2) = (1, r, r)/(1 + 2r), r = sqrt 2
        Taid taid = new Taid(0.5, 1.0, 5e-4, 0.99, true);
        double r2 = Math.sqrt(2);
        double[] pt = {1 / (1 + 2 * r2), r2 / (1 + 2 * r2), r2 / (1 + 2 * r2)};
        double expected = -(pt[0] * Math.log(0.25) + pt[1] * Math.log(0.25) + pt[2] * Math.log(0.5));
        ChunkGradient g = taid.forwardBackward(chunk(s, z, y, false), context);
        assertEquals(expected, g.lossSum(), 1e-6);
        float[] grad = g.studentGrad().toFloatArray();
        assertEquals(0.25 - pt[0], grad[0], 1e-6);
        assertEquals(0.5 - pt[2], grad[2], 1e-6);
    }

    @Test
    void gradientsMatchCentralFiniteDifferencesInDouble() {
        double worst = 0;
        for (DistillationLoss loss : LossTestSupport.everyLoss(manager)) {
            int n = 3;
            int v = 7;
            double[][] s = randn(n, v, 2);
            double[][] z = teacher(n, v, loss.acceptsTruncatedTeacher());
            int[] y = labels(n, v);
            ChunkGradient g = loss.forwardBackward(chunk(s, z, y, true), context);
            double[] grad = g.studentGrad().toDoubleArray();
            double value = 0;
            for (int r = 0; r < n; r++) {
                Reference.Frozen frozen = Reference.freeze(loss, s[r], z[r]);
                value += Reference.row(loss, s[r], z[r], y[r], frozen, 0);
                for (int i = 0; i < v; i++) {
                    double h = 1e-5;
                    double keep = s[r][i];
                    s[r][i] = keep + h;
                    double up = Reference.row(loss, s[r], z[r], y[r], frozen, 0);
                    s[r][i] = keep - h;
                    double down = Reference.row(loss, s[r], z[r], y[r], frozen, 0);
                    s[r][i] = keep;
                    double fd = (up - down) / (2 * h);
                    double err = Math.abs(fd - grad[r * v + i]);
                    worst = Math.max(worst, err / (1 + Math.abs(fd)));
                    assertEquals(fd, grad[r * v + i], 1e-6 * (1 + Math.abs(fd)),
                            LossTestSupport.label(loss) + " row " + r + " token " + i + ", seed " + seed);
                }
            }
            assertEquals(value, g.lossSum(), 1e-9 * (1 + Math.abs(value)), LossTestSupport.label(loss) + ", seed " + seed);
        }
        System.out.printf("losses vs finite differences (fp64): max relative gradient error %.2e, seed %d%n", worst, seed);
    }

    @Test
    void gradientsMatchAutogradOfTheNaiveForms() {
        double worst = 0;
        for (DistillationLoss loss : LossTestSupport.everyLoss(manager)) {
            int n = 1 + random.nextInt(6);
            int v = 5 + random.nextInt(20);
            double[][] s = randn(n, v, 2);
            double[][] z = teacher(n, v, loss.acceptsTruncatedTeacher());
            int[] y = labels(n, v);
            LossChunk c = chunk(s, z, y, false);
            ChunkGradient g = loss.forwardBackward(c, context);
            float[] closed = g.studentGrad().toFloatArray();
            NDArray logits = c.student().duplicate();
            float[] auto;
            double autoValue;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits.setRequiresGradient(true);
                NDArray sum = NaiveLoss.distilSum(loss, logits, c.teacher(), c.labels(), context);
                autoValue = sum.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                gc.backward(sum);
                auto = logits.getGradient().toFloatArray();
            }
            for (int i = 0; i < closed.length; i++) {
                assertFalse(Float.isNaN(closed[i]), LossTestSupport.label(loss) + " NaN, seed " + seed);
                worst = Math.max(worst, Math.abs(closed[i] - auto[i]));
                assertEquals(auto[i], closed[i], 2e-5 * (1 + Math.abs(auto[i])),
                        LossTestSupport.label(loss) + " element " + i + ", seed " + seed);
            }
            assertEquals(autoValue, g.lossSum(), 2e-5 * (1 + Math.abs(autoValue)), LossTestSupport.label(loss) + ", seed " + seed);
        }
        System.out.printf("closed forms vs naive autograd (fp32): max abs gradient difference %.2e, seed %d%n", worst, seed);
    }

    @Test
    void ctkdThetaGradientMatchesFiniteDifferencesAndIsReversed() {
        Ctkd ctkd = new Ctkd(manager, 1.0);
        int n = 4;
        int v = 9;
        double[][] s = randn(n, v, 3);
        double[][] z = teacher(n, v, true);
        int[] y = labels(n, v);
        double theta = ctkd.parameters().getFirst().array().getFloat();
        double h = 1e-5;
        double fd = 0;
        for (int r = 0; r < n; r++) {
            fd += (Reference.row(ctkd, s[r], z[r], y[r], null, theta + h)
                    - Reference.row(ctkd, s[r], z[r], y[r], null, theta - h)) / (2 * h);
        }
        for (double progress : new double[]{0, 0.25, 0.5, 1}) {
            LossContext at = new LossContext(Math.round(progress * 100), 100);
            double lambda = ctkd.lambda(at);
            assertEquals(-(1 - Math.cos(Math.PI * progress)) / 2, lambda, 1e-12);
            double got = ctkd.forwardBackward(chunk(s, z, y, true), at).parameterGrads()[0];
            assertEquals(lambda * fd, got, 1e-6 * (1 + Math.abs(fd)), "progress " + progress + ", seed " + seed);
            if (progress > 0 && Math.abs(fd) > 1e-9) {
                assertTrue(Math.signum(got) == -Math.signum(fd), "reversed sign at " + progress + ", seed " + seed);
            }
        }
        assertEquals(11.0, ctkd.temperature(), 1e-12);
        System.out.printf("ctkd dL/dtheta: finite differences %.6e, seed %d%n", fd, seed);
    }

    /**
     * A masked student token ({@code s_v = -inf}, q_v = 0) in every loss that stays finite there: the closed
     * form takes the limit, the loss and gradient of {@code s_v = -1e4} (whose q_v is exactly 0 in fp64), 0 at
     * v; with a truncated teacher too, so that p_v = q_v = 0 on some tokens.
     */
    @Test
    void maskedStudentTokensTakeTheLimit() {
        for (DistillationLoss loss : LossTestSupport.everyLoss(manager)) {
            if (!LossTestSupport.finiteAtZeroStudentProbability(loss)) {
                continue;
            }
            for (boolean truncated : loss.acceptsTruncatedTeacher() ? new boolean[]{false, true} : new boolean[]{false}) {
                int n = 3;
                int v = 4 + random.nextInt(12);
                double[][] s = randn(n, v, 2);
                double[][] z = teacher(n, v, truncated);
                int[] y = labels(n, v);
                double[][] far = new double[n][];
                for (int r = 0; r < n; r++) {
                    for (int i = 1; i < v; i++) { // token 0 stays: the teacher always keeps it (TAID needs p_t > 0 somewhere)
                        if (i != y[r] && random.nextInt(3) == 0) {
                            s[r][i] = Double.NEGATIVE_INFINITY;
                        }
                    }
                    far[r] = java.util.Arrays.stream(s[r]).map(x -> x == Double.NEGATIVE_INFINITY ? -1e4 : x).toArray();
                }
                String what = LossTestSupport.label(loss) + (truncated ? " truncated" : "") + ", seed " + seed;
                ChunkGradient masked = loss.forwardBackward(chunk(s, z, y, true), context);
                ChunkGradient limit = loss.forwardBackward(chunk(far, z, y, true), context);
                assertEquals(limit.lossSum(), masked.lossSum(), 1e-12 * (1 + Math.abs(limit.lossSum())), what);
                double[] got = masked.studentGrad().toDoubleArray();
                double[] want = limit.studentGrad().toDoubleArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(want[i], got[i], 1e-12, what + " element " + i);
                    if (s[i / v][i % v] == Double.NEGATIVE_INFINITY) {
                        assertEquals(0, got[i], 0, what + " element " + i + " is masked"); // -0 too
                    }
                }
            }
        }
    }

    /** Over one token every distribution is (1): every loss and every gradient is 0, none NaN. */
    @Test
    void aVocabularyOfOneGivesZero() {
        for (DistillationLoss loss : LossTestSupport.everyLoss(manager)) {
            double[][] s = randn(2, 1, 3);
            double[][] z = randn(2, 1, 3);
            ChunkGradient g = loss.forwardBackward(chunk(s, z, new int[]{0, 0}, true), context);
            assertEquals(0, g.lossSum(), 1e-12, LossTestSupport.label(loss) + ", seed " + seed);
            for (double d : g.studentGrad().toDoubleArray()) {
                assertEquals(0, d, 1e-12, LossTestSupport.label(loss) + ", seed " + seed);
            }
        }
    }

    @Test
    void lossesThatCannotReadATruncatedTeacherSaySo() {
        assertFalse(new ReverseKl().acceptsTruncatedTeacher());
        assertFalse(new AdaptiveKl(0.5).acceptsTruncatedTeacher());
        assertFalse(new GeneralizedJsd(1).acceptsTruncatedTeacher());
        assertTrue(new GeneralizedJsd(0.5).acceptsTruncatedTeacher());
        assertTrue(new Taid().acceptsTruncatedTeacher());
        assertFalse(new Sft().needsTeacher());
    }

    private double[][] randn(int n, int v, double scale) {
        double[][] x = new double[n][v];
        for (double[] row : x) {
            for (int i = 0; i < v; i++) {
                row[i] = random.nextGaussian() * scale;
            }
        }
        return x;
    }

    /** Random teacher logits; when truncated, about a third of each row is -inf (never all). */
    private double[][] teacher(int n, int v, boolean truncated) {
        double[][] z = randn(n, v, 2);
        if (truncated) {
            for (double[] row : z) {
                for (int i = 1; i < v; i++) {
                    if (random.nextInt(3) == 0) {
                        row[i] = Double.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return z;
    }

    private int[] labels(int n, int v) {
        return random.ints(n, 0, v).toArray();
    }

    private LossChunk chunk(double[][] s, double[][] z, int[] y, boolean fp64) {
        int n = s.length;
        int v = s[0].length;
        double[] sf = new double[n * v];
        double[] zf = new double[n * v];
        for (int r = 0; r < n; r++) {
            System.arraycopy(s[r], 0, sf, r * v, v);
            System.arraycopy(z[r], 0, zf, r * v, v);
        }
        long[] labels = java.util.Arrays.stream(y).asLongStream().toArray();
        NDArray student = manager.create(sf, new Shape(n, v));
        NDArray teacher = manager.create(zf, new Shape(n, v));
        if (!fp64) {
            student = student.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            teacher = teacher.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        }
        return new LossChunk(student, teacher, manager.create(labels));
    }
}
