package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.vlmd.bench.Median;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.vlmd.bench.DistillBench;
import org.vlmdistill.vlmd.bench.ImageDecodeBench;

import org.vlmdistill.vlmd.bench.LoaderHeapBench;
import org.vlmdistill.vlmd.bench.LossBench;
import org.vlmdistill.vlmd.bench.Machine;
import org.vlmdistill.vlmd.bench.SafetensorsBench;
import org.vlmdistill.vlmd.bench.ModelBench;
import org.vlmdistill.vlmd.bench.SdpaBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/** Performance figures, each with its machine and the median of several runs. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Performance figures (median of several runs; see BENCHMARKS.md).",
        subcommands = {BenchCommand.Safetensors.class, BenchCommand.Heap.class, BenchCommand.Sdpa.class, BenchCommand.ModelStep.class,
                BenchCommand.Loader.class, BenchCommand.Images.class, BenchCommand.Loss.class,
                BenchCommand.DistillStep.class, BenchCommand.Eval.class, BenchCommand.Ops.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "name a benchmark: safetensors, heap, sdpa, model, loader, images, loss, distill, eval or ops");
    }

    static Path workDir(Path dir) throws java.io.IOException {
        Path d = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"), "vlmd-bench");
        Files.createDirectories(d);
        return d;
    }

    @Command(name = "safetensors", mixinStandardHelpOptions = true,
            description = "Read throughput of a safetensors file into NDArrays, as a ratio to `cat FILE > /dev/null`.")
    static final class Safetensors implements Callable<Integer> {
        @Option(names = "--size-mib", defaultValue = "1024", description = "File size (default ${DEFAULT-VALUE} MiB).")
        long sizeMiB;

        @Option(names = "--dtype", defaultValue = "F32", description = "dtype stored in the file (default ${DEFAULT-VALUE}).")
        String dtype;

        @Option(names = "--to", defaultValue = "F32", description = "dtype of the NDArrays (default ${DEFAULT-VALUE}).")
        String to;

        @Option(names = "--runs", defaultValue = "5", description = "Timed runs of each (default ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--dir", description = "Where the file is written (default: a vlmd-bench folder in the temp dir).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            ComputePolicy policy = ComputePolicy.fromEnvironment();
            System.out.println("machine: " + Machine.describe());
            System.out.println("policy:  " + policy.describe());
            Path file = SafetensorsBench.makeFile(workDir(dir), sizeMiB << 20, DType.parse(dtype), System.out);
            var r = SafetensorsBench.read(file, DType.parse(to), policy.ops(), runs, System.out);
            System.out.printf("safetensors %s -> NDArray %s, %.2f GiB: cat %.2f GiB/s, load %.2f GiB/s, "
                            + "ratio load/cat %.2f (medians of %d runs)%n", DType.parse(dtype), r.target(),
                    r.bytes() / (double) (1L << 30), r.catGiBps(), r.loadGiBps(), r.ratio(), runs);
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "heap", mixinStandardHelpOptions = true,
            description = "Heap used while a large safetensors file is open (it is memory-mapped, not read into the heap).")
    static final class Heap implements Callable<Integer> {
        @Option(names = "--size-mib", defaultValue = "3072", description = "File size (default ${DEFAULT-VALUE} MiB).")
        long sizeMiB;

        @Option(names = "--dir", description = "Where the file is written (default: a vlmd-bench folder in the temp dir).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            Path file = SafetensorsBench.makeFile(workDir(dir), sizeMiB << 20, DType.BF16, System.out);
            var r = SafetensorsBench.heapWhileOpen(file, ComputePolicy.fromEnvironment().ops());
            double mib = 1 << 20;
            System.out.printf("%.2f GiB file: heap used %.1f MiB before, %.1f MiB open with every tensor sliced, "
                            + "%.1f MiB with every tensor loaded into NDArrays (heap limit %.0f MiB); "
                            + "RSS %.0f -> %.0f -> %.0f MiB%n",
                    r.fileBytes() / (mib * 1024), r.heapBefore() / mib, r.heapOpen() / mib, r.heapLoaded() / mib,
                    r.heapMax() / mib, r.rssBefore() / mib, r.rssOpen() / mib, r.rssLoaded() / mib);
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "A training step (forward, cross entropy, backward) of a VLM with random weights, "
                    + "fp32 on CPU: tokens/s and model FLOPs utilization against a GEMM measured in the same run.")
    static final class ModelStep implements Callable<Integer> {
        @Option(names = "--model", description = "A model directory's config (default: SmolVLM-256M-Instruct's).")
        java.nio.file.Path model;
        @Option(names = "--batch", defaultValue = "1") int batch;
        @Option(names = "--text-tokens", defaultValue = "192") int textTokens;
        @Option(names = "--runs", defaultValue = "5") int runs;
        @Option(names = "--warmup", defaultValue = "1") int warmup;
        @Option(names = "--activation-checkpointing",
                description = "Recompute every tower and decoder layer in the backward instead of keeping its activations.")
        boolean activationCheckpointing;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            var source = model == null ? ModelBench.smolVlm256m()
                    : org.vlmdistill.core.model.ModelDirectory.open(model);
            var r = new ModelBench(source, batch, textTokens, runs, warmup, 1, activationCheckpointing)
                    .run(System.out);
            System.out.printf("model step, %,d parameters, batch %d x %d tokens, fp32 CPU: %.2f s, %.0f tokens/s, "
                            + "%.1f GFLOP/s achieved; GEMM 2048^2 %.1f GFLOP/s; MFU %.1f%% (medians of %d runs)%n",
                    r.parameters(), batch, r.tokensPerStep() / batch, r.step().median(), r.tokensPerSecond(),
                    r.achievedFlopsPerSecond() / 1e9, r.gemmFlopsPerSecond() / 1e9, 100 * r.mfu(), runs);
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "ops", mixinStandardHelpOptions = true,
            description = "What one libtorch call costs on tiny tensors ([16], [64x64]; add, mul, matmul, linear, silu, "
                    + "sdpa), ns a call: through the bridge, DJL's JNI ops, and each path's floor (no Java objects). "
                    + "One thread: run with VLMD_JAVA_OPTS=-Dai.djl.pytorch.num_threads=1; bench/pytorch/ops.py is "
                    + "PyTorch's side.")
    static final class Ops implements Callable<Integer> {
        @Option(names = "--rounds", defaultValue = "7", description = "Timed rounds (default ${DEFAULT-VALUE}).")
        int rounds;
        @Option(names = "--warmup", defaultValue = "3", description = "Untimed rounds first (default ${DEFAULT-VALUE}).")
        int warmup;
        @Option(names = "--millis", defaultValue = "30", description = "About how long one path runs one case in a round "
                + "(default ${DEFAULT-VALUE} ms).")
        double millis;
        @Option(names = "--grad", description = "Inputs require gradient (autograd records every call).")
        boolean grad;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            System.out.println("load at start: " + org.vlmdistill.vlmd.bench.OpsBench.load());
            List<org.vlmdistill.vlmd.bench.OpsBench.Row> rows;
            try {
                rows = new org.vlmdistill.vlmd.bench.OpsBench(rounds, warmup, millis, grad).run(System.out);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            System.out.println("load at end: " + org.vlmdistill.vlmd.bench.OpsBench.load());
            System.out.println("op\top\tsize\tpath\twall ns a call\tcpu ns a call\tcalls a run\twhat (medians of " + rounds + " rounds)");
            for (var r : rows) {
                System.out.printf(java.util.Locale.ROOT, "op\t%s\t%s\t%s\t%.0f\t%.0f\t%d\t%s%n", r.op(), r.size(), r.path(),
                        r.wallNs(), r.cpuNs(), r.calls(), r.what());
            }
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "sdpa", mixinStandardHelpOptions = true,
            description = "Causal attention forward+backward: libtorch bridge vs composed DJL ops.")
    static final class Sdpa implements Callable<Integer> {
        @Option(names = "--batch", defaultValue = "4") int batch;
        @Option(names = "--heads", defaultValue = "8") int heads;
        @Option(names = "--len", defaultValue = "512") int length;
        @Option(names = "--dim", defaultValue = "64") int dim;
        @Option(names = "--runs", defaultValue = "10") int runs;
        @Option(names = "--warmup", defaultValue = "3") int warmup;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            var r = new SdpaBench(batch, heads, length, dim, runs, warmup).run(System.out);
            System.out.printf("sdpa B%d H%d L%d D%d causal, forward+backward: bridge %.1f ms, composed %.1f ms, "
                            + "speed-up %.2fx; forward only: bridge %.1f ms, composed %.1f ms, speed-up %.2fx "
                            + "(medians of %d runs)%n", batch, heads, length, dim,
                    r.bridge().median() * 1e3, r.composed().median() * 1e3, r.speedup(),
                    r.bridgeForward().median() * 1e3, r.composedForward().median() * 1e3, r.forwardSpeedup(), runs);
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "loader", mixinStandardHelpOptions = true,
            description = "Heap of the streaming data loader reading a large and a small LLaVA JSONL file: it should not grow.")
    static final class Loader implements Callable<Integer> {
        @Option(names = "--records", defaultValue = "100000", description = "Records in the large file (default ${DEFAULT-VALUE}).")
        int records;

        @Option(names = "--small", defaultValue = "1000", description = "Records in the small file (default ${DEFAULT-VALUE}).")
        int small;

        @Option(names = "--runs", defaultValue = "3", description = "Runs of each file, alternating (default ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--checkpoints", defaultValue = "8", description = "Forced GCs per read, where live heap is taken (default ${DEFAULT-VALUE}).")
        int checkpoints;

        @Option(names = "--dir", description = "Where the files are written (default: a vlmd-bench folder in the temp dir).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            Path d = workDir(dir).resolve("loader");
            Path large = LoaderHeapBench.makeJsonl(d, records, System.out);
            Path little = LoaderHeapBench.makeJsonl(d, small, System.out);
            LoaderHeapBench.measure(little, small, checkpoints); // warm-up: classes loaded, JIT started
            record Input(Path file, int records, List<LoaderHeapBench.Result> results) {}
            List<Input> inputs = List.of(new Input(large, records, new ArrayList<>()), new Input(little, small, new ArrayList<>()));
            for (int i = 0; i < runs; i++) {
                for (Input in : inputs) { // alternating, so drift on a shared machine hits both alike
                    var r = LoaderHeapBench.measure(in.file(), in.records(), checkpoints);
                    in.results().add(r);
                    System.out.printf("  run %d, %,d records: live %.2f MiB, after-GC max %.2f MiB, pool peak %.1f MiB, "
                                    + "%d GCs, %.2f s, delivered %,d, skipped %,d%n", i + 1, r.records(), mib(r.live()),
                            mib(r.afterGc()), mib(r.poolPeak()), r.collections(), r.seconds(), r.delivered(), r.skipped());
                }
            }
            var first = inputs.getFirst().results().getFirst();
            System.out.printf("heap limit %.0f MiB, heap before opening %.2f MiB%n", mib(first.heapLimit()), mib(first.heapBefore()));
            for (Input in : inputs) {
                var rs = in.results();
                System.out.printf("loader heap, %,d records (%.1f MiB JSONL): live %.2f MiB (%+.0f KiB over the heap "
                                + "before opening), after-GC max %.2f MiB, pool peak %.1f MiB, %.0f records/s "
                                + "(medians of %d runs)%n", in.records(),
                        mib(rs.getFirst().fileBytes()), mib(median(rs, LoaderHeapBench.Result::live)),
                        median(rs, x -> x.live() - x.heapBefore()) / 1024.0,
                        mib(median(rs, LoaderHeapBench.Result::afterGc)), mib(median(rs, LoaderHeapBench.Result::poolPeak)),
                        in.records() / (median(rs, LoaderHeapBench.Result::seconds)), runs);
            }
            return Vlmd.EXIT_OK;
        }

        private static double median(List<LoaderHeapBench.Result> rs, ToDoubleFunction<LoaderHeapBench.Result> f) {
            return Median.of(rs.stream().mapToDouble(f).toArray());
        }

        private static double mib(double bytes) {
            return bytes / (double) (1 << 20);
        }
    }

    @Command(name = "images", mixinStandardHelpOptions = true,
            description = "Image decoding, and decoding plus resizing to a model's input, in images/s, as a ratio "
                    + "to OpenCV's imdecode of the same JPEG and PNG bytes on the same threads.")
    static final class Images implements Callable<Integer> {
        @Option(names = "--images", defaultValue = "64", description = "Distinct images per format (default ${DEFAULT-VALUE}).")
        int images;

        @Option(names = "--width", defaultValue = "1024", description = "Image width (default ${DEFAULT-VALUE}).")
        int width;

        @Option(names = "--height", defaultValue = "768", description = "Image height (default ${DEFAULT-VALUE}).")
        int height;

        @Option(names = "--threads", defaultValue = "2", description = "Decoding threads, for every variant (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--runs", defaultValue = "5", description = "Timed runs of each variant (default ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--size", defaultValue = "384", description = "Resize target, square (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--filter", defaultValue = "BICUBIC",
                description = "Resize filter: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        ImageResize.Filter filter;

        @Option(names = "--quality", defaultValue = "0.9", description = "JPEG quality, 0..1 (default ${DEFAULT-VALUE}).")
        float quality;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            var bench = new ImageDecodeBench(images, width, height, threads, runs, size, filter, quality);
            var r = bench.run(System.out);
            for (var f : r.formats()) {
                System.out.printf("%s %dx%d, %.0f KiB avg, %d threads: decode+resize to %d %.1f img/s, decode %.1f img/s; "
                                + "ImageIO only: decode+resize %.1f, decode %.1f img/s; OpenCV imdecode %.1f img/s; "
                                + "ratio to imdecode: decode+resize %.2f, decode %.2f, ImageIO decode+resize %.2f, "
                                + "ImageIO decode %.2f (medians of %d runs)%n",
                        f.format(), width, height, f.encodedBytes() / 1024.0 / f.images(), threads, size,
                        f.series("decode+resize").median(), f.series("decode").median(),
                        f.series("ImageIO decode+resize").median(), f.series("ImageIO decode").median(),
                        f.series("OpenCV imdecode").median(), f.ratio("decode+resize"), f.ratio("decode"),
                        f.ratio("ImageIO decode+resize"), f.ratio("ImageIO decode"), runs);
            }
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "loss", mixinStandardHelpOptions = true,
            description = "A loss's forward+backward on random fp32 logits: time and peak RSS of one variant "
                    + "(run each variant in its own process).")
    static final class Loss implements Callable<Integer> {
        @Option(names = "--tokens", defaultValue = "4096", description = "Token rows (default ${DEFAULT-VALUE}).")
        int tokens;
        @Option(names = "--vocab", defaultValue = "151936", description = "Vocabulary (default ${DEFAULT-VALUE}).")
        int vocab;
        @Option(names = "--chunk", defaultValue = "256", description = "Rows per chunk (default ${DEFAULT-VALUE}).")
        int chunk;
        @Option(names = "--variant", defaultValue = "fused",
                description = "fused, in-place (fused, the gradient written over the logits), composed, hidden "
                        + "or hidden-composed (default ${DEFAULT-VALUE}).")
        String variant;
        @Option(names = "--loss", defaultValue = "taid", description = "Loss config name, with its defaults (default ${DEFAULT-VALUE}).")
        String loss;
        @Option(names = "--reps", defaultValue = "3", description = "Timed runs (default ${DEFAULT-VALUE}).")
        int reps;
        @Option(names = "--hidden", defaultValue = "576", description = "Hidden size for --variant hidden (default ${DEFAULT-VALUE}).")
        int hidden;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            var r = new LossBench(loss, tokens, vocab, chunk, variant, reps, hidden).run(System.out);
            double gib = 1L << 30;
            System.out.printf("loss %s %s, %d x %d fp32%s: %.3f s forward+backward, peak RSS %.2f GiB, "
                            + "the loss's own peak %.2f GiB above its inputs (RSS %.2f GiB before the inputs) "
                            + "(medians of %d runs)%n", loss, variant, tokens, vocab,
                    ", chunk " + chunk + (variant.startsWith("hidden") ? ", hidden " + hidden : ""),
                    r.timing().median(), r.peakRssBytes() / gib, r.medianAboveInputsBytes() / gib,
                    r.rssBeforeBytes() / gib, reps);
            return Vlmd.EXIT_OK;
        }
    }

    @Command(name = "distill", mixinStandardHelpOptions = true,
            description = "The whole distillation step (online teacher, alignment, chunked loss, backward, clip, AdamW) "
                    + "over Shapes: tokens/s, the split of a step and peak RSS. By default SmolVLM-500M teaching "
                    + "SmolVLM-256M (published configs, random weights); --tiny for the tiny Idefics3 pair.")
    static final class DistillStep implements Callable<Integer> {
        @Option(names = "--teacher-config", description = "The teacher's config.json (or a directory holding it and "
                + "preprocessor_config.json); default: SmolVLM-500M-Instruct's, shipped.")
        java.nio.file.Path teacherConfig;
        @Option(names = "--student-config", description = "The student's config.json (or its directory); default: "
                + "SmolVLM-256M-Instruct's, shipped.")
        java.nio.file.Path studentConfig;
        @Option(names = "--tiny", description = "The tiny Idefics3 pair instead (bench/vs-pytorch's default).")
        boolean tiny;
        @Option(names = "--loss", defaultValue = "taid", description = "Loss (default ${DEFAULT-VALUE}).")
        String loss;
        @Option(names = "--batch", description = "Samples per step (default 1; 8 with --tiny).")
        Integer batch;
        @Option(names = "--steps", description = "Optimizer steps (default 4; 30 with --tiny).")
        Integer steps;
        @Option(names = "--warmup", description = "Steps left out of the medians (default 1; 5 with --tiny).")
        Integer warmup;
        @Option(names = "--keep", description = "Work in this directory and keep it: the student/ and teacher/ model "
                + "directories, the Shapes data (shapes/train.jsonl) and the run's metrics.jsonl, e.g. for "
                + "bench/pytorch/distill_step.py (default: a temp directory, deleted).")
        java.nio.file.Path keep;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (keep != null && java.nio.file.Files.isDirectory(keep)) {
                try (var entries = java.nio.file.Files.list(keep)) {
                    if (entries.findAny().isPresent()) {
                        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                                "--keep " + keep + " is not empty: name a new or empty directory");
                    }
                }
            }
            if (tiny && (teacherConfig != null || studentConfig != null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--tiny makes its own pair: leave out --teacher-config and --student-config");
            }
            DistillBench.Pair pair = tiny ? DistillBench.Pair.tiny() : DistillBench.Pair.published(
                    teacherConfig != null ? configAt(teacherConfig) : DistillBench.shipped("smolvlm-500m"),
                    studentConfig != null ? configAt(studentConfig) : DistillBench.shipped("smolvlm-256m"));
            int b = batch != null ? batch : tiny ? 8 : 1;
            int n = steps != null ? steps : tiny ? 30 : 4;
            int w = warmup != null ? warmup : tiny ? 5 : 1;
            System.out.println("machine: " + Machine.describe());
            System.out.println("policy:  " + ComputePolicy.fromEnvironment().describe());
            if (!tiny) {
                System.out.println("teacher: " + shape(pair.teacher(), teacherConfig, "SmolVLM-500M-Instruct"));
                System.out.println("student: " + shape(pair.student(), studentConfig, "SmolVLM-256M-Instruct"));
            }
            java.nio.file.Path work = keep != null ? java.nio.file.Files.createDirectories(keep)
                    : java.nio.file.Files.createTempDirectory("vlmd-bench-distill");
            try {
                var r = DistillBench.run(work, pair, loss, b, n, w, 1, new java.io.PrintWriter(System.out, true));
                System.out.printf(java.util.Locale.ROOT, "distill step (%s), student %,d / teacher %,d parameters, batch %d,"
                                + " %.0f tokens a step: %.3f s a step, %.0f tokens/s (medians of %d steps after %d warm-up)%n",
                        r.loss(), r.studentParams(), r.teacherParams(), r.batch(), r.tokensPerStep(), r.stepSeconds(),
                        r.tokensPerSecond(), r.steps(), w);
                StringBuilder split = new StringBuilder("  split (median s a step):");
                r.phaseSeconds().forEach((k, v) -> split.append(String.format(java.util.Locale.ROOT, " %s %.4f,", k, v)));
                split.append(String.format(java.util.Locale.ROOT, " sum %.4f (step %.4f)", r.phaseSum(), r.stepSeconds()));
                System.out.println(split);
                System.out.printf(java.util.Locale.ROOT, "peak RSS %.1f MiB (VmHWM of this process)%n",
                        LossBench.status("VmHWM") / (double) (1 << 20));
            } finally {
                if (keep == null) {
                    org.vlmdistill.core.io.AtomicFiles.deleteTree(work);
                } else {
                    System.out.println("kept " + work.toAbsolutePath());
                }
            }
            return Vlmd.EXIT_OK;
        }

        /** Where a config came from and its decoder's shape, for the log. */
        private static String shape(org.vlmdistill.core.model.ModelDirectory d, java.nio.file.Path given, String shipped) {
            var c = (org.vlmdistill.core.config.VisionLanguageConfig) d.config();
            var t = c.textConfig();
            return String.format(java.util.Locale.ROOT, "%s: text %d wide, %d layers, %d/%d heads, vocab %d; vision %d wide, "
                            + "%d layers, tiles of %d", given != null ? given : shipped + "'s config (shipped)",
                    t.hiddenSize(), t.numHiddenLayers(), t.numAttentionHeads(), t.numKeyValueHeads(), t.vocabSize(),
                    c.visionConfig().hiddenSize(), c.visionConfig().numHiddenLayers(), c.visionConfig().imageSize());
        }

        /** A config.json, or a directory holding one (and preprocessor_config.json). */
        private static org.vlmdistill.core.model.ModelDirectory configAt(java.nio.file.Path p) {
            return org.vlmdistill.core.model.ModelDirectory.open(java.nio.file.Files.isDirectory(p) ? p
                    : p.toAbsolutePath().getParent());
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Evaluation throughput on a tiny Idefics3 model over Shapes: items/s of batched greedy generation and of option log-likelihood.")
    static final class Eval implements Callable<Integer> {
        @Option(names = "--batch", split = ",", defaultValue = "1,8", description = "Batch sizes (default ${DEFAULT-VALUE}).")
        java.util.List<Integer> batches;
        @Option(names = "--items", defaultValue = "64", description = "Shapes test items (default ${DEFAULT-VALUE}).")
        int items;
        @Option(names = "--max-new-tokens", defaultValue = "16", description = "Tokens per answer (default ${DEFAULT-VALUE}).")
        int maxNewTokens;
        @Option(names = "--repeats", defaultValue = "5", description = "Timed runs per configuration (default ${DEFAULT-VALUE}).")
        int repeats;

        @Override
        public Integer call() throws Exception {
            System.out.println("machine: " + Machine.describe());
            java.nio.file.Path work = java.nio.file.Files.createTempDirectory("vlmd-bench-eval");
            try {
                for (var r : org.vlmdistill.vlmd.bench.EvalBench.run(work, batches, items, maxNewTokens, repeats, 1)) {
                    System.out.printf(java.util.Locale.ROOT, "%-8s %-9s batch %2d, %d items%s, %,d parameters: %.3f s, "
                                    + "%.1f items/s (median of %d)%n", r.mode(), r.benchmark(), r.batch(), r.items(),
                            r.maxNewTokens() > 0 ? ", " + r.maxNewTokens() + " new tokens each" : "", r.parameters(),
                            r.seconds(), r.itemsPerSecond(), r.repeats());
                }
            } finally {
                org.vlmdistill.core.io.AtomicFiles.deleteTree(work);
            }
            return Vlmd.EXIT_OK;
        }
    }
}
