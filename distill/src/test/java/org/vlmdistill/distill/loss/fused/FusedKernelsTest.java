package org.vlmdistill.distill.loss.fused;

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
import org.vlmdistill.distill.loss.ChunkedLoss;
import org.vlmdistill.distill.loss.DistillationLoss;
import org.vlmdistill.distill.loss.ForwardKl;
import org.vlmdistill.distill.loss.GeneralizedJsd;
import org.vlmdistill.distill.loss.LossContext;
import org.vlmdistill.distill.loss.LossResult;
import org.vlmdistill.distill.loss.ReverseKl;
import org.vlmdistill.distill.loss.Sft;
import org.vlmdistill.distill.loss.SkewKl;
import org.vlmdistill.distill.loss.SkewReverseKl;
import org.vlmdistill.distill.loss.SparseTargetRows;
import org.vlmdistill.distill.loss.StudentRows;
import org.vlmdistill.distill.loss.Taid;
import org.vlmdistill.distill.loss.TeacherLogits;
import org.vlmdistill.distill.loss.TotalVariation;
import org.vlmdistill.distill.schedule.Schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused CPU kernels against the DJL-composed closed forms ({@link ChunkedLoss} with and without
 * kernels), on fresh random inputs: loss values and the gradients of logits, hidden states and
 * lm_head; truncated teachers ({@code -inf} outside a support) given dense or sparse, for the losses
 * that accept one; {@code -inf} student logits; t = 0 and t = 1, the mixtures' edge weights and random
 * ones; one row and many; vocabularies that are not a multiple of the vector width and ones that cross
 * a block or a tile.
 */
class FusedKernelsTest {
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
    void everyLossWithAKernelHasOneHere() {
        assertTrue(FusedKernels.available(), "run with --add-modules jdk.incubator.vector");
        for (DistillationLoss loss : List.of(new Taid(), new ForwardKl(1), new ForwardKl(2), new Sft(), new ReverseKl(),
                new TotalVariation(), new SkewKl(0.1), new SkewKl(0), new SkewReverseKl(0.1), new SkewReverseKl(1),
                new GeneralizedJsd(0), new GeneralizedJsd(0.5), new GeneralizedJsd(1))) {
            assertTrue(new ChunkedLoss(loss, new Schedule.Constant(1), 4).fused(), loss.name());
        }
    }

    @Test
    void fusedEqualsComposedOnRandomRows() {
        for (int round = 0; round < 6; round++) {
            for (DistillationLoss loss : losses()) {
                int n = round == 0 ? 1 : 2 + random.nextInt(20);
                int v = switch (round % 3) {
                    case 0 -> 1 + random.nextInt(40);           // below one vector, and ragged
                    case 1 -> 17 + random.nextInt(300);
                    default -> 2048 + 1 + random.nextInt(700);  // past one block
                };
                double ratio = new double[]{1, 0.5, 0}[random.nextInt(3)];
                boolean truncated = loss.acceptsTruncatedTeacher() && random.nextBoolean();
                boolean sparse = truncated && random.nextBoolean();
                boolean studentInf = finiteAtZeroStudentProbability(loss) && random.nextBoolean();
                compare(loss, n, v, 1 + random.nextInt(n + 2), ratio, truncated, sparse, studentInf, random.nextBoolean());
            }
        }
        System.out.printf("fused vs composed: max relative difference %.2e, seed %d%n", worst, seed);
    }

    private List<DistillationLoss> losses() {
        List<DistillationLoss> out = new ArrayList<>();
        for (double t : new double[]{0, 1, random.nextDouble()}) {
            Taid taid = new Taid(t, 1, 5e-4, 0.99, true);
            out.add(taid);
        }
        out.add(new ForwardKl(1));
        out.add(new ForwardKl(0.5 + 3 * random.nextDouble()));
        out.add(new Sft());
        out.add(new ReverseKl());
        out.add(new TotalVariation());
        out.add(new SkewKl(random.nextInt(4) == 0 ? 0 : random.nextDouble()));              // a = 0: m = q
        out.add(new SkewReverseKl(random.nextInt(4) == 0 ? 1 : 1 - random.nextDouble()));  // a = 1: m = q, D = 0
        out.add(new GeneralizedJsd(random.nextDouble()));
        out.add(new GeneralizedJsd(0));
        out.add(new GeneralizedJsd(1));
        return out;
    }

    /** Whether D stays finite where the student's probability is 0 (forward KL and its aliases are infinite there). */
    private static boolean finiteAtZeroStudentProbability(DistillationLoss loss) {
        return switch (loss) {
            case Taid t -> true;
            case TotalVariation tv -> true;
            case ReverseKl r -> true;
            case SkewReverseKl k -> true;
            case SkewKl k -> k.alpha() > 0;
            case GeneralizedJsd j -> j.beta() > 0;
            default -> false;
        };
    }

    /**
     * Whether the composed form reads {@code s_v = -inf} as its limit. Reverse KL, skew reverse KL and
     * JSD take {@code q (log q - ...)} there, {@code 0 (-inf)} = NaN, and skew KL's
     * {@code logaddexp(-inf, -inf)} is NaN where a truncated teacher's p is 0 too; the kernels take the
     * limit, 0, which is what those forms give where q underflows to 0: they are compared against the
     * composed form on the same logits with -1e4 for -inf.
     */
    private static boolean composedTakesInfStudent(DistillationLoss loss, boolean truncated) {
        return loss instanceof Taid || loss instanceof TotalVariation || loss instanceof SkewKl && !truncated;
    }

    private static String describe(DistillationLoss loss) {
        return loss.name() + switch (loss) {
            case Taid t -> " t=" + t.t();
            case ForwardKl f -> " T=" + f.temperature();
            case SkewKl k -> " a=" + k.alpha();
            case SkewReverseKl k -> " a=" + k.alpha();
            case GeneralizedJsd j -> " beta=" + j.beta();
            default -> "";
        };
    }

    private void compare(DistillationLoss loss, int n, int v, int chunk, double ratio, boolean truncated, boolean sparse,
                         boolean studentInf, boolean hidden) {
        String where = describe(loss) + " n=" + n + " v=" + v
                + " chunk=" + chunk + " ratio=" + ratio + (truncated ? " truncated" : "") + (sparse ? " sparse" : "")
                + (studentInf ? " -inf student" : "") + (hidden ? " hidden" : " logits") + ", seed " + seed;
        try (NDManager m = manager.newSubManager()) {
            int h = 3 + random.nextInt(6);
            NDArray hiddenStates = m.randomNormal(new Shape(n, h));
            NDArray weight = m.randomNormal(0, 0.7f, new Shape(v, h), DataType.FLOAT32);
            float[] s = randomRow(n * v, 2);
            float[] z = randomRow(n * v, 2);
            long[] labels = random.longs(n, 0, v).toArray();
            List<int[]> kept = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int[] ids = truncated ? random.ints(0, v).distinct().limit(1 + random.nextInt(Math.min(v, 20))).toArray()
                        : java.util.stream.IntStream.range(0, v).toArray();
                kept.add(ids);
                if (truncated) { // teacher log-probabilities over the kept ids, -inf elsewhere
                    double max = Double.NEGATIVE_INFINITY;
                    for (int id : ids) {
                        max = Math.max(max, z[r * v + id]);
                    }
                    double sum = 0;
                    for (int id : ids) {
                        sum += Math.exp(z[r * v + id] - max);
                    }
                    float[] row = new float[v];
                    java.util.Arrays.fill(row, Float.NEGATIVE_INFINITY);
                    for (int id : ids) {
                        row[id] = (float) (z[r * v + id] - max - Math.log(sum));
                    }
                    System.arraycopy(row, 0, z, r * v, v);
                }
                if (studentInf) { // a few masked-out vocabulary entries, never the label
                    for (int k = 0; k < 3; k++) {
                        int id = random.nextInt(v);
                        if (id != labels[r]) {
                            s[r * v + id] = Float.NEGATIVE_INFINITY;
                        }
                    }
                }
            }
            NDArray logits = m.create(s, new Shape(n, v));
            NDArray composedLogits = logits;
            if (studentInf && !composedTakesInfStudent(loss, truncated)) {
                float[] finite = s.clone();
                for (int i = 0; i < finite.length; i++) {
                    finite[i] = finite[i] == Float.NEGATIVE_INFINITY ? -1e4f : finite[i];
                }
                composedLogits = m.create(finite, new Shape(n, v));
            }
            NDArray teacher = m.create(z, new Shape(n, v));
            SparseTargetRows sparseRows = sparseOf(kept, z, v);
            TeacherLogits dense = (from, to) -> teacher.get(new NDIndex("{}:{}", from, to));
            TeacherLogits target = !sparse ? dense : new TeacherLogits() {
                @Override
                public NDArray rows(int from, int to) {
                    throw new AssertionError("the fused path must read the sparse rows");
                }

                @Override
                public SparseTargetRows sparseRows(int from, int to) {
                    return slice(sparseRows, from, to);
                }
            };
            LossContext context = new LossContext(3, 10);
            Run fused = run(new ChunkedLoss(loss, new Schedule.Constant(ratio), chunk, true), hidden, logits, hiddenStates,
                    weight, target, labels, v, context, m);
            Run composed = run(new ChunkedLoss(loss, new Schedule.Constant(ratio), chunk, false), hidden, composedLogits,
                    hiddenStates, weight, dense, labels, v, context, m);
            close(fused.total, composed.total, where + " total");
            close(fused.lm, composed.lm, where + " lm");
            if (!Double.isNaN(composed.distil)) {
                close(fused.distil, composed.distil, where + " distil");
            }
            for (int k = 0; k < fused.grads.size(); k++) {
                float[] a = fused.grads.get(k);
                float[] b = composed.grads.get(k);
                double scale = 0;
                for (float x : b) {
                    scale = Math.max(scale, Math.abs(x));
                }
                // within 2e-5 of the largest element, plus 1e-7: where a gradient cancels (a truncated
                // teacher at ratio 1, nearly disjoint q and p, one token) its elements are differences of
                // terms the size of q whose fp32 rounding both forms keep; worst is taken against the same
                // bound, 2e-5 (scale + 5e-3)
                for (int i = 0; i < a.length; i++) {
                    assertEquals(b[i], a[i], 2e-5 * scale + 1e-7, where + " gradient " + k + " element " + i);
                    worst = Math.max(worst, Math.abs(a[i] - b[i]) / (scale + 5e-3));
                }
            }
        }
    }

    private record Run(double total, double lm, double distil, List<float[]> grads) {
    }

    private static Run run(ChunkedLoss loss, boolean hidden, NDArray logits, NDArray hiddenStates, NDArray weight,
                           TeacherLogits teacher, long[] labels, int v, LossContext context, NDManager m) {
        NDArray[] in = {logits.duplicate(), hiddenStates.duplicate(), weight.duplicate()};
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (NDArray x : in) {
                x.setRequiresGradient(true);
            }
            StudentRows rows = hidden ? new StudentRows.Hidden(in[1], in[2]) : new StudentRows.Logits(in[0]);
            LossResult r = loss.compute(rows, teacher, labels, v, context);
            r.backward().run(1.0);
            List<float[]> grads = hidden ? List.of(in[1].getGradient().toFloatArray(), in[2].getGradient().toFloatArray())
                    : List.of(in[0].getGradient().toFloatArray());
            return new Run(r.total(), r.lm(), r.distil(), grads);
        }
    }

    /**
     * Relative to the composed value, or to 0.05 below it (1e-6 absolute): the composed fp32 forms round
     * terms the size of the logits ({@code lse(s) - s_y}, a logaddexp), about 1e-7 absolute whatever the
     * result, so a loss near 0 (a vocabulary of 1 or 2, a mixture weight near an end) differs from the
     * kernel's in digits that are rounding in both.
     */
    private void close(double a, double b, String what) {
        double d = Math.abs(a - b) / Math.max(0.05, Math.abs(b));
        assertTrue(d < 2e-5, what + ": fused " + a + ", composed " + b);
        worst = Math.max(worst, d);
    }

    private float[] randomRow(int size, double sd) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (random.nextGaussian() * sd);
        }
        return x;
    }

    private static SparseTargetRows sparseOf(List<int[]> kept, float[] z, int v) {
        int total = kept.stream().mapToInt(a -> a.length).sum();
        int[] offsets = new int[kept.size() + 1];
        int[] ids = new int[total];
        float[] values = new float[total];
        int k = 0;
        for (int r = 0; r < kept.size(); r++) {
            for (int id : kept.get(r)) {
                ids[k] = id;
                values[k++] = z[r * v + id];
            }
            offsets[r + 1] = k;
        }
        return new SparseTargetRows(offsets, ids, values);
    }

    private static SparseTargetRows slice(SparseTargetRows all, int from, int to) {
        int base = all.offsets()[from];
        int[] offsets = new int[to - from + 1];
        for (int r = from; r <= to; r++) {
            offsets[r - from] = all.offsets()[r] - base;
        }
        int end = all.offsets()[to];
        return new SparseTargetRows(offsets, java.util.Arrays.copyOfRange(all.ids(), base, end),
                java.util.Arrays.copyOfRange(all.logProbs(), base, end));
    }
}
