package org.vlmdistill.distill.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.distill.loss.fused.FusedKernels;
import org.vlmdistill.distill.schedule.Schedule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every loss, composed and fused, on fixed inputs: the loss values' and the gradients' bits, pinned in
 * {@code loss-fingerprints.txt}. Refactoring a loss must leave every line as it is.
 *
 * <p>The bits depend on the CPU's vector width (the fused kernels' lanes, libtorch's kernels), so the
 * file records the machine it was taken on and the comparison runs only on a machine of that kind.
 * To retake it: run with {@code -Dloss.fingerprints.print=true} and copy the printed lines.
 */
class LossFingerprintTest {
    private static final int N = 13;
    private static final int V = 37;
    private static final int EXTRA = 3; // the student's padded vocabulary is wider than the shared one
    private static final int CHUNK = 5;

    @Test
    void everyLossComposedAndFusedKeepsItsBits() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("machine " + machine());
        try (NDManager manager = NDManager.newBaseManager()) {
            int losses = LossTestSupport.everyLoss(manager).size();
            for (String path : new String[]{"composed", "fused"}) {
                for (int i = 0; i < losses; i++) {
                    for (double ratio : new double[]{1, 0.5}) {
                        for (int teacher = 0; teacher < 3; teacher++) {
                            // a fresh loss each time: TAID's t and CTKD's theta as constructed
                            DistillationLoss loss = LossTestSupport.everyLoss(manager).get(i);
                            boolean truncated = teacher > 0;
                            boolean sparse = teacher == 2;
                            if ((truncated && !loss.acceptsTruncatedTeacher()) || (sparse && !path.equals("fused"))) {
                                continue;
                            }
                            lines.add(fingerprint(manager, loss, path, ratio, truncated, sparse));
                        }
                    }
                }
            }
        }
        String actual = String.join("\n", lines) + "\n";
        if (Boolean.getBoolean("loss.fingerprints.print")) {
            System.out.print(actual);
        }
        String expected;
        try (InputStream in = getClass().getResourceAsStream("loss-fingerprints.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Assumptions.assumeTrue(expected.startsWith(lines.getFirst() + "\n"),
                "fingerprints taken on " + expected.lines().findFirst().orElse("?") + ", this is " + machine());
        assertEquals(expected, actual);
    }

    private static String machine() {
        return System.getProperty("os.arch") + " lanes=" + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    }

    private static String fingerprint(NDManager manager, DistillationLoss loss, String path, double ratio,
                                      boolean truncated, boolean sparse) {
        Random random = new Random(19);
        float[] logits = normal(random, N * (V + EXTRA), 2);
        float[] teacher = normal(random, N * V, 2);
        long[] labels = random.longs(N, 0, V).toArray();
        if (truncated) {
            // a top-k cache: log-probabilities of the 6 largest, -inf elsewhere
            for (int r = 0; r < N; r++) {
                logSoftmaxTopK(teacher, r * V, V, 6);
            }
        }
        LossContext context = new LossContext(3, 10);
        try (NDManager m = manager.newSubManager()) {
            NDArray z = m.create(teacher, new Shape(N, V));
            NDArray x = m.create(logits, new Shape(N, V + EXTRA));
            ChunkedLoss chunked = path.equals("fused") ? new ChunkedLoss(loss, new Schedule.Constant(ratio), CHUNK, true)
                    : new ChunkedLoss(loss, new Schedule.Constant(ratio), CHUNK, new ComposedOps());
            if (path.equals("fused")) {
                assertTrue(FusedKernels.available() && chunked.fused(), "no fused kernel for " + loss.name());
            }
            NDArray theta = loss.parameters().isEmpty() ? null : loss.parameters().getFirst().array();
            LossResult r;
            float[] g;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                x.setRequiresGradient(true);
                if (theta != null) {
                    theta.setRequiresGradient(true); // a fresh gradient each time
                }
                TeacherLogits rows = new TeacherLogits() {
                    @Override
                    public NDArray rows(int from, int to) {
                        return z.get(new NDIndex("{}:{}", from, to));
                    }

                    @Override
                    public SparseTargetRows sparseRows(int from, int to) {
                        return sparse ? sparseOf(teacher, from, to) : null;
                    }
                };
                r = chunked.compute(new StudentRows.Logits(x), rows, labels, V, context);
                r.backward().run(1.0);
                g = x.getGradient().toFloatArray();
            }
            String thetaGrad = theta == null ? "" : " dtheta=" + Integer.toHexString(Float.floatToRawIntBits(
                    theta.getGradient().getFloat()));
            return String.format("%s %s ratio=%s%s total=%s distil=%s lm=%s grad=%08x%s", path,
                    LossTestSupport.label(loss), ratio, sparse ? " sparse" : truncated ? " truncated" : "", Double.toHexString(r.total()),
                    Double.toHexString(r.distil()), Double.toHexString(r.lm()), bits(g), thetaGrad);
        }
    }

    /** Rows {@code [from, to)} of the truncated teacher as the top-k cache hands them over. */
    private static SparseTargetRows sparseOf(float[] teacher, int from, int to) {
        List<Integer> ids = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        int[] offsets = new int[to - from + 1];
        for (int r = from; r < to; r++) {
            for (int v = 0; v < V; v++) {
                if (teacher[r * V + v] != Float.NEGATIVE_INFINITY) {
                    ids.add(v);
                    values.add(teacher[r * V + v]);
                }
            }
            offsets[r - from + 1] = ids.size();
        }
        float[] logProbs = new float[values.size()];
        for (int i = 0; i < logProbs.length; i++) {
            logProbs[i] = values.get(i);
        }
        return new SparseTargetRows(offsets, ids.stream().mapToInt(Integer::intValue).toArray(), logProbs);
    }

    private static int bits(float[] g) {
        int h = 1;
        for (float f : g) {
            h = 31 * h + Float.floatToRawIntBits(f);
        }
        return h;
    }

    private static float[] normal(Random random, int n, double sd) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * sd);
        }
        return out;
    }

    private static void logSoftmaxTopK(float[] row, int off, int n, int k) {
        float[] sorted = java.util.Arrays.copyOfRange(row, off, off + n);
        java.util.Arrays.sort(sorted);
        float cut = sorted[n - k];
        double max = sorted[n - 1];
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            if (row[i] >= cut) {
                sum += Math.exp(row[i] - max);
            }
        }
        double lse = max + Math.log(sum);
        for (int i = off; i < off + n; i++) {
            row[i] = row[i] >= cut ? (float) (row[i] - lse) : Float.NEGATIVE_INFINITY;
        }
    }
}
