package org.vlmdistill.vlmd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.vlmdistill.distill.loss.ChunkedLoss;
import org.vlmdistill.distill.loss.DistillationLoss;
import org.vlmdistill.distill.loss.LossConfig;
import org.vlmdistill.distill.loss.LossContext;
import org.vlmdistill.distill.loss.StudentRows;
import org.vlmdistill.distill.schedule.Schedule;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A loss's forward and backward on random fp32 inputs (every row labelled, distillation ratio 1), one
 * variant per process so that the peak RSS (VmHWM) is the variant's own:
 * <ul>
 * <li>{@code fused}: logits given, {@link ChunkedLoss} with the loss's fused CPU kernel;</li>
 * <li>{@code in-place}: the same, the gradient written over the logits
 * ({@link ChunkedLoss#overwritingLogits()}), as for logits nothing reads after the loss;</li>
 * <li>{@code composed}: the same with the loss's DJL-composed closed form per chunk;</li>
 * <li>{@code hidden} / {@code hidden-composed}: hidden states and lm_head weight given, logits
 * projected chunk by chunk, teacher rows made chunk by chunk, so no {@code [N, V]} array exists.</li>
 * </ul>
 * (The {@code naive} variant, autograd through the textbook form on the whole logits, went with that
 * form to the tests; BENCHMARKS.md keeps its last figures.)
 * Memory: VmHWM is reset (Linux {@code clear_refs}) after each run's inputs exist, so each run gives
 * the loss's own peak above the RSS it started from (inputs included there), besides the process's
 * peak.
 */
public record LossBench(String loss, int tokens, int vocab, int chunk, String variant, int reps, int hidden) {
    public static final List<String> VARIANTS = List.of("fused", "in-place", "composed", "hidden", "hidden-composed");

    /**
     * @param peakRssBytes the process's highest VmHWM right after a run (baseline, inputs and the loss's own)
     * @param aboveInputsBytes per run, the peak during the loss minus the RSS just before it
     * @param rssBeforeBytes RSS with the engine loaded, before any input
     * @param peakReset whether VmHWM could be reset; if not, the peaks include the inputs' creation
     */
    public record Result(Timing timing, long peakRssBytes, double[] aboveInputsBytes, long rssBeforeBytes, boolean peakReset) {
        /** The median over runs of the loss's own peak above its inputs. */
        public double medianAboveInputsBytes() {
            return Median.of(aboveInputsBytes);
        }
    }

    /** One run: seconds, RSS just before the timed body, VmHWM right after it, whether VmHWM was reset first. */
    private record Run(double seconds, long rssBefore, long peak, boolean reset) {
    }

    public Result run(PrintStream out) throws Exception {
        if (!VARIANTS.contains(variant)) {
            throw new IllegalArgumentException("variant must be one of " + VARIANTS + ", was " + variant);
        }
        double[] seconds = new double[reps];
        double[] above = new double[reps];
        long peak = 0;
        Random random = new Random(1);
        LossContext context = new LossContext(0, 1);
        double gib = 1L << 30;
        try (NDManager root = NDManager.newBaseManager()) {
            root.randomNormal(new Shape(4, 4)).close(); // the engine loaded before the baseline
            long before = status("VmRSS");
            boolean reset = true;
            for (int i = 0; i < reps; i++) {
                try (NDManager m = root.newSubManager()) {
                    long[] labels = random.longs(tokens, 0, vocab).toArray();
                    Run run = once(m, labels, context);
                    reset &= run.reset();
                    seconds[i] = run.seconds();
                    above[i] = run.peak() - run.rssBefore();
                    peak = Math.max(peak, run.peak());
                    out.printf("  run %d: %.3f s, RSS %.2f GiB before the loss, %.0f MiB above it at the peak%n", i + 1,
                            seconds[i], run.rssBefore() / gib, above[i] / (1 << 20));
                }
            }
            if (!reset) {
                out.println("  (could not reset VmHWM: the peaks include the inputs' creation)");
            }
            return new Result(new Timing(variant, seconds), peak, above, before, reset);
        }
    }

    /** Times {@code body} with VmHWM reset just before it (where Linux allows). */
    private static Run measure(Timing.ThrowingRunnable body) throws Exception {
        long rss = status("VmRSS");
        boolean reset = resetPeak();
        double seconds = Timing.seconds(body);
        return new Run(seconds, rss, status("VmHWM"), reset);
    }

    private Run once(NDManager m, long[] labels, LossContext context) throws Exception {
        DistillationLoss distillation = LossConfig.defaults(loss).create(m);
        boolean fused = !variant.endsWith("composed");
        Shape rows = new Shape(tokens, vocab);
        if (variant.startsWith("hidden")) {
            NDArray h = m.randomNormal(new Shape(tokens, hidden));
            NDArray w = m.randomNormal(0, 0.05f, new Shape(vocab, hidden), DataType.FLOAT32);
            ChunkedLoss chunked = new ChunkedLoss(distillation, new Schedule.Constant(1.0), chunk, fused);
            requireKernel(chunked, fused);
            return measure(() -> {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    h.setRequiresGradient(true);
                    w.setRequiresGradient(true);
                    var r = chunked.compute(new StudentRows.Hidden(h, w),
                            (from, to) -> m.randomNormal(0, 2, new Shape(to - from, vocab), DataType.FLOAT32),
                            labels, vocab, context);
                    r.backward().run(1.0);
                }
            });
        }
        NDArray logits = m.randomNormal(0, 2, rows, DataType.FLOAT32);
        NDArray teacher = m.randomNormal(0, 2, rows, DataType.FLOAT32);
        ChunkedLoss chunked = new ChunkedLoss(distillation, new Schedule.Constant(1.0), chunk, fused);
        requireKernel(chunked, fused);
        ChunkedLoss timed = variant.equals("in-place") ? chunked.overwritingLogits() : chunked;
        return measure(() -> {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits.setRequiresGradient(true);
                var r = timed.compute(new StudentRows.Logits(logits),
                        (from, to) -> teacher.get(new NDIndex("{}:{}", from, to)), labels, vocab, context);
                r.backward().run(1.0);
            }
        });
    }

    private void requireKernel(ChunkedLoss chunked, boolean fused) {
        if (fused && !chunked.fused()) {
            throw new IllegalStateException(loss + " has no fused kernel here (Vector API module or libtorch bridge "
                    + "missing, or no kernel for the loss); use --variant composed");
        }
    }

    /** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux). */
    private static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A {@code /proc/self/status} field in bytes, or -1. */
    public static long status(String field) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(field + ":"))
                    .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }
}
