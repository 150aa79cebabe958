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
import org.vlmdistill.core.bridge.FloatRows;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.distill.loss.AdaptiveKl;
import org.vlmdistill.distill.loss.ChunkedLoss;
import org.vlmdistill.distill.loss.Ctkd;
import org.vlmdistill.distill.loss.DistillationLoss;
import org.vlmdistill.distill.loss.Dkd;
import org.vlmdistill.distill.loss.ForwardKl;
import org.vlmdistill.distill.loss.GeneralizedJsd;
import org.vlmdistill.distill.loss.LossContext;
import org.vlmdistill.distill.loss.LossResult;
import org.vlmdistill.distill.loss.LossTestSupport;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused CPU kernels against the DJL-composed closed forms ({@link ChunkedLoss} with and without
 * kernels), on fresh random inputs: loss values and the gradients of logits, hidden states, lm_head
 * and the loss's own parameters (CTKD's theta); truncated teachers ({@code -inf} outside a support)
 * given dense or sparse, for the losses that accept one; {@code -inf} student logits; t = 0 and t = 1,
 * the mixtures' edge weights and random ones; random DKD weights and temperatures, CTKD thetas and
 * Adaptive KL mus; one row and many; vocabularies that are not a multiple of the vector width and ones
 * that cross a block or a tile.
 */
class FusedKernelsTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private NDManager manager;
    private double worst;
    private String worstWhere = "";

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
                new GeneralizedJsd(0), new GeneralizedJsd(0.5), new GeneralizedJsd(1), new Dkd(1, 8, 4),
                new Ctkd(manager, 1), new AdaptiveKl(0.5))) {
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
                boolean studentInf = LossTestSupport.finiteAtZeroStudentProbability(loss) && random.nextBoolean();
                boolean tied = loss instanceof AdaptiveKl && random.nextBoolean();
                compare(loss, n, v, 1 + random.nextInt(n + 2), ratio, truncated, sparse, studentInf, tied,
                        random.nextBoolean());
            }
        }
        System.out.printf("fused vs composed: max relative difference %.2e (%s), seed %d%n", worst, worstWhere, seed);
    }

    /**
     * The gradient may be the student's rows themselves, never a part of them nor of the target: the
     * teacher's rows are only read, and a kernel reading s after writing g would read its own output.
     */
    @Test
    void gradientOverlappingItsInputsOtherwiseIsRefused() {
        int v = 40;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(4L * v * Float.BYTES, 64);
            MemorySegment b = arena.allocate(2L * v * Float.BYTES, 64);
            for (long i = 0; i < a.byteSize() / Float.BYTES; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) random.nextGaussian());
            }
            FloatRows student = new FloatRows(a.asSlice(0, 2L * v * 4), 2, v, v);
            FloatRows shifted = new FloatRows(a.asSlice(4, 2L * v * 4), 2, v, v);
            FloatRows target = new FloatRows(b, 2, v, v);
            long[] labels = {3, 7};
            FusedKernels kernels = new FusedKernels(2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernels.run(new Taid(),
                    new LossContext(0, 1), true, student, target, null, labels, 0, shifted, 0.5f, 0.5f));
            assertTrue(e.getMessage().contains("student"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> kernels.run(new Taid(), new LossContext(0, 1), true,
                    student, target, null, labels, 0, target, 0.5f, 0.5f));
            assertTrue(e.getMessage().contains("target"), e.getMessage());
            // over the student's own rows it runs, and matches the gradient written elsewhere
            MemorySegment c = arena.allocate(2L * v * Float.BYTES, 64);
            FloatRows elsewhere = new FloatRows(c, 2, v, v);
            for (DistillationLoss loss : List.of(new Taid(), new ReverseKl(), new AdaptiveKl(0.5))) {
                MemorySegment copy = arena.allocate(student.data().byteSize(), 64).copyFrom(student.data());
                FloatRows own = new FloatRows(copy, 2, v, v);
                FusedKernels.Sums separate = kernels.run(loss, new LossContext(0, 1), true, student, target, null, labels, 0,
                        elsewhere, 0.5f, 0.5f);
                FusedKernels.Sums over = kernels.run(loss, new LossContext(0, 1), true, own, target, null, labels, 0,
                        own, 0.5f, 0.5f);
                assertEquals(separate.distil(), over.distil(), loss.name());
                assertEquals(separate.lm(), over.lm(), loss.name());
                assertArrayEquals(c.toArray(ValueLayout.JAVA_FLOAT),
                        copy.toArray(ValueLayout.JAVA_FLOAT), loss.name());
            }
        }
    }

    /**
     * Adaptive KL's head by selection against the definition: the longest prefix of p sorted
     * descending (equal p by id) whose cumulative sum, in double rounded to fp32, is {@code <= mu},
     * at least the top token. Rows with many ties, all equal, peaked and flat; mu at 0, 1, random,
     * and exactly at a cumulative sum.
     */
    @Test
    void adaptiveKlHeadIsTheSortedPrefixWithinMu() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            for (int round = 0; round < 400; round++) {
                int n = 1 + random.nextInt(round % 4 == 0 ? 6000 : 60);
                float[] p = new float[n];
                int kind = random.nextInt(4);
                double sd = new double[]{0.1, 2, 8}[random.nextInt(3)];
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double w = switch (kind) {
                        case 0 -> Math.exp(random.nextGaussian() * sd);
                        case 1 -> 1 + random.nextInt(4);  // few distinct values: ties everywhere
                        case 2 -> 1;                      // all equal
                        default -> i == 0 ? n : Math.exp(random.nextGaussian() * sd); // one dominant
                    };
                    p[i] = (float) w;
                    total += w;
                }
                for (int i = 0; i < n; i++) {
                    p[i] = (float) (p[i] / total);
                }
                Integer[] order = java.util.stream.IntStream.range(0, n).boxed()
                        .sorted((a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a]) : Integer.compare(a, b))
                        .toArray(Integer[]::new);
                float[] cum = new float[n];
                double acc = 0;
                for (int k = 0; k < n; k++) {
                    acc += p[order[k]];
                    cum[k] = (float) acc;
                }
                float mu = switch (random.nextInt(4)) {
                    case 0 -> random.nextBoolean() ? 0f : 1f;
                    case 1 -> cum[random.nextInt(n)];  // a cumulative sum exactly
                    default -> random.nextFloat();
                };
                boolean[] expected = new boolean[n];
                for (int k = 0; k < n; k++) {
                    expected[order[k]] = k == 0 || cum[k] <= mu;
                }
                java.lang.foreign.MemorySegment probs = arena.allocate((long) n * Float.BYTES, 64);
                float max = 0;
                for (int i = 0; i < n; i++) {
                    VectorMath.set(probs, 0, i, p[i]);
                    max = Math.max(max, p[i]);
                }
                AdaptiveKlKernel.Head head = AdaptiveKlKernel.head(probs, n, mu, max, new float[n]);
                int taken = 0;
                for (int i = 0; i < n; i++) {
                    boolean in = p[i] > head.threshold() || p[i] == head.threshold()
                            && (head.ties() < 0 || taken++ < head.ties());
                    assertEquals(expected[i], in, "token " + i + " of " + n + " (p " + p[i] + ", kind " + kind
                            + ", mu " + mu + ", head " + head + "), seed " + seed);
                }
            }
        }
    }

    private List<DistillationLoss> losses() {
        List<DistillationLoss> out = new ArrayList<>();
        for (double t : new double[]{0, 1, random.nextDouble()}) {
            Taid taid = new Taid(t, 1, 5e-4, 0.99, true);
            out.add(taid);
        }
        out.add(new ForwardKl(1));
        out.add(new ForwardKl(0.5 + 3 * random.nextDouble()));
        out.add(new Dkd(1, 0.5, 1)); // T = 1: the LM softmax from q^, no third pass
        out.add(new Dkd(2 * random.nextDouble(), 8 * random.nextDouble(), 0.5 + 3 * random.nextDouble()));
        Ctkd ctkd = new Ctkd(manager, 0.5 + random.nextDouble());
        ctkd.parameters().getFirst().array().set(new float[]{(float) (4 * random.nextDouble() - 2)});
        out.add(ctkd);
        out.add(new AdaptiveKl(random.nextDouble()));
        out.add(new AdaptiveKl(0.5));
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

    private void compare(DistillationLoss loss, int n, int v, int chunk, double ratio, boolean truncated, boolean sparse,
                         boolean studentInf, boolean tied, boolean hidden) {
        String where = describe(loss) + " n=" + n + " v=" + v
                + " chunk=" + chunk + " ratio=" + ratio + (truncated ? " truncated" : "") + (sparse ? " sparse" : "")
                + (studentInf ? " -inf student" : "") + (tied ? " tied" : "") + (hidden ? " hidden" : " logits") + ", seed " + seed;
        try (NDManager m = manager.newSubManager()) {
            int h = 3 + random.nextInt(6);
            NDArray hiddenStates = m.randomNormal(new Shape(n, h));
            NDArray weight = m.randomNormal(0, 0.7f, new Shape(v, h), DataType.FLOAT32);
            float[] s = randomRow(n * v, 2);
            float[] z = randomRow(n * v, 2);
            long[] labels = random.longs(n, 0, v).toArray();
            if (tied) {
                // token j repeats token j % d (its logits, teacher logits and lm_head row): equal p and q, so
                // equal |p - q| whichever of a tie group Adaptive KL's head takes, and both forms agree
                // where the head's boundary splits a group
                int d = 1 + random.nextInt(Math.max(1, v / 2));
                float[] w = weight.toFloatArray();
                for (int j = d; j < v; j++) {
                    System.arraycopy(w, (j % d) * h, w, j * h, h);
                    for (int r = 0; r < n; r++) {
                        s[r * v + j] = s[r * v + j % d];
                        z[r * v + j] = z[r * v + j % d];
                    }
                }
                weight = m.create(w, new Shape(v, h));
            }
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
                // a few masked-out vocabulary entries, never the label nor the teacher's first kept token (a
                // truncated support the student masks whole leaves TAID's target undefined: NaN in both forms)
                if (studentInf) {
                    for (int k = 0; k < 3; k++) {
                        int id = random.nextInt(v);
                        if (id != labels[r] && id != ids[0]) {
                            s[r * v + id] = Float.NEGATIVE_INFINITY;
                        }
                    }
                }
            }
            if (loss instanceof AdaptiveKl a) {
                // each row's cumulative p (sorted descending) at least 1e-6 from mu: closer, the two forms'
                // p, which may differ in the last bit (the vector exp), can end the head on different tokens
                // and the weights jump (see AdaptiveKlKernel). Rescaling a row keeps its ties.
                for (int r = 0; r < n; r++) {
                    for (int tries = 0; tries < 100 && cumulativeNear(z, r * v, v, a.mu(), 1e-6); tries++) {
                        double c = 0.8 + 0.4 * random.nextDouble();
                        for (int j = r * v; j < (r + 1) * v; j++) {
                            z[j] = (float) (z[j] * c);
                        }
                    }
                }
            }
            NDArray logits = m.create(s, new Shape(n, v));
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
            Run composed = run(new ChunkedLoss(loss, new Schedule.Constant(ratio), chunk, false), hidden, logits,
                    hiddenStates, weight, dense, labels, v, context, m);
            if (!hidden) {
                // the gradient written over the logits: the same arithmetic on the same values, so the same bits
                ChunkedLoss over = new ChunkedLoss(loss, new Schedule.Constant(ratio), chunk, true).overwritingLogits();
                Run inPlace = run(over, false, logits, hiddenStates, weight, target, labels, v, context, m);
                assertEquals(fused.total, inPlace.total, where + " total over the logits");
                assertEquals(fused.lm, inPlace.lm, where + " lm over the logits");
                assertArrayEquals(fused.grads.getFirst(), inPlace.grads.getFirst(), where + " gradient over the logits");
                for (int k = 0; k < fused.parameterGrads.length; k++) { // differences of fp32 accumulators: to their rounding
                    assertEquals(fused.parameterGrads[k], inPlace.parameterGrads[k], 1e-6 * Math.abs(fused.parameterGrads[k]) + 1e-9,
                            where + " parameter " + k + " gradient over the logits");
                }
            }
            double floor = distilFloor(loss);
            close(fused.total, composed.total, Math.max(Math.abs(composed.total), ratio * floor), where + " total");
            close(fused.lm, composed.lm, where + " lm");
            if (!Double.isNaN(composed.distil)) {
                close(fused.distil, composed.distil, Math.max(Math.abs(composed.distil), floor), where + " distil");
            }
            for (int k = 0; k < composed.parameterGrads.length; k++) {
                double scale = Math.abs(composed.parameterGrads[k]);
                if (loss instanceof Ctkd c && ratio != 0) {
                    // dD/dT = 2TK + (E_p s - E_q s) - T cov is a difference of terms up to thousands of times
                    // larger than itself (about 2TK, -TK and TK at the temperatures here), which both forms add
                    // in fp32 (the composed one is up to 3e-3 off its fp64 value): compared relative to those
                    // terms, 4 D / T per row in all, plus 0.1 T for the error of 2TK above, in dtheta's units
                    double t = c.temperature();
                    double sig = (t - 1) / 20;
                    scale = Math.max(scale, Math.abs(c.lambda(context) * 20 * sig * (1 - sig) * ratio)
                            * (4 * composed.distil / t + 0.1 * t));
                }
                close(fused.parameterGrads[k], composed.parameterGrads[k], scale, where + " parameter " + k + " gradient");
            }
            for (int k = 0; k < fused.grads.size(); k++) {
                float[] a = fused.grads.get(k);
                float[] b = composed.grads.get(k);
                double scale = 0;
                for (float x : b) {
                    scale = Math.max(scale, Math.abs(x));
                }
                // within 2e-5 of (the largest element + floor): where a gradient cancels (a truncated
                // teacher at ratio 1, nearly disjoint q and p, one token) the logits' gradient's elements are
                // differences of terms the size of q whose fp32 rounding both forms keep (floor 0.005, so
                // 1e-7); the hidden states' and lm_head's are sums over tokens of g W and g h, rounded
                // relative to sum |g| |W|, and cancel to ~0 where tied rows leave one group (q = p uniform:
                // 1.2e-7 apart at values of 6e-8 seen), so their floor is the scalars' 0.05 (1e-6)
                double gradFloor = hidden ? 0.05 : 0.005;
                for (int i = 0; i < a.length; i++) {
                    assertEquals(b[i], a[i], 2e-5 * (scale + gradFloor), where + " gradient " + k + " element " + i);
                    note(Math.abs(a[i] - b[i]) / (scale + gradFloor), where + " gradient " + k);
                }
            }
        }
    }

    /**
     * Whether a cumulative sum of softmax(z[from, from + v)), sorted descending, lies within {@code margin} of
     * mu; all but the last, 1 at any scale.
     */
    private static boolean cumulativeNear(float[] z, int from, int v, double mu, double margin) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = from; j < from + v; j++) {
            max = Math.max(max, z[j]);
        }
        double[] p = new double[v];
        double sum = 0;
        for (int j = 0; j < v; j++) {
            p[j] = Math.exp(z[from + j] - max);
            sum += p[j];
        }
        java.util.Arrays.sort(p);
        double cumulative = 0;
        for (int j = v - 1; j >= 1; j--) {
            cumulative += p[j] / sum;
            if (Math.abs(cumulative - mu) < margin) {
                return true;
            }
        }
        return false;
    }

    /**
     * The least scale D and the total are compared at (the test's 2e-5 of it is an absolute
     * tolerance): DKD and CTKD are fp32 sums of {@code p (log p - log q)} whose log-probabilities both
     * forms round around lse (up to ulp(8) ~ 1e-6), so D is off by up to a few 1e-6 T^2 per unit of
     * weight however small it is. Measured against fp64 on single rows of 2 to 100 tokens: the composed
     * DKD up to 3e-5 of D (1.5e-6 absolute at T = 1), the composed CTKD up to 8e-4 of D at T ~ 18 (its
     * T reaches 18.6 here); relative comparison of a D near 0 would fail on rounding alone.
     */
    private static double distilFloor(DistillationLoss loss) {
        return switch (loss) {
            case Dkd d -> 0.25 * d.temperature() * d.temperature() * (d.alpha() + d.beta());
            case Ctkd c -> 0.25 * c.temperature() * c.temperature();
            default -> 0;
        };
    }

    private record Run(double total, double lm, double distil, List<float[]> grads, double[] parameterGrads) {
    }

    private static String describe(DistillationLoss loss) {
        return loss.name() + switch (loss) {
            case Taid t -> " t=" + t.t();
            case ForwardKl f -> " T=" + f.temperature();
            case Dkd d -> " alpha=" + d.alpha() + " beta=" + d.beta() + " T=" + d.temperature();
            case Ctkd c -> " T=" + c.temperature() + " lambda_max=" + c.lambdaMax();
            case AdaptiveKl a -> " mu=" + a.mu();
            case SkewKl k -> " a=" + k.alpha();
            case SkewReverseKl k -> " a=" + k.alpha();
            case GeneralizedJsd j -> " beta=" + j.beta();
            default -> "";
        };
    }

    /** A parameter's accumulated gradient, 0 before its first backward. */
    private static double gradient(Parameter p) {
        try {
            return p.array().getGradient().toFloatArray()[0];
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Run run(ChunkedLoss loss, boolean hidden, NDArray logits, NDArray hiddenStates, NDArray weight,
                           TeacherLogits teacher, long[] labels, int v, LossContext context, NDManager m) {
        NDArray[] in = {logits.duplicate(), hiddenStates.duplicate(), weight.duplicate()};
        List<Parameter> params = loss.loss().parameters();
        // the parameters' gradients accumulate across runs: each run's is the difference
        double[] before = params.stream().mapToDouble(FusedKernelsTest::gradient).toArray();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (NDArray x : in) {
                x.setRequiresGradient(true);
            }
            StudentRows rows = hidden ? new StudentRows.Hidden(in[1], in[2]) : new StudentRows.Logits(in[0]);
            LossResult r = loss.compute(rows, teacher, labels, v, context);
            r.backward().run(1.0);
            List<float[]> grads = hidden ? List.of(in[1].getGradient().toFloatArray(), in[2].getGradient().toFloatArray())
                    : List.of(in[0].getGradient().toFloatArray());
            double[] parameterGrads = new double[params.size()];
            for (int k = 0; k < parameterGrads.length; k++) {
                parameterGrads[k] = gradient(params.get(k)) - before[k];
            }
            return new Run(r.total(), r.lm(), r.distil(), grads, parameterGrads);
        }
    }

    /**
     * Relative to the composed value, or to 0.05 below it (1e-6 absolute): the composed fp32 forms round
     * terms the size of the logits ({@code lse(s) - s_y}, a logaddexp), about 1e-7 absolute whatever the
     * result, so a loss near 0 (a vocabulary of 1 or 2, a mixture weight near an end) differs from the
     * kernel's in digits that are rounding in both.
     */
    private void close(double a, double b, String what) {
        close(a, b, Math.abs(b), what);
    }

    /** {@code |a - b| < 2e-5 scale}, scale at least 0.05 (so 1e-6 absolute, see above). */
    private void close(double a, double b, double scale, String what) {
        double d = Math.abs(a - b) / Math.max(0.05, scale);
        assertTrue(d < 2e-5, what + ": fused " + a + ", composed " + b + " (relative to " + scale + ")");
        note(d, what);
    }

    private void note(double d, String what) {
        if (d > worst) {
            worst = d;
            worstWhere = what.replaceAll(", seed \\d+", "");
        }
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
