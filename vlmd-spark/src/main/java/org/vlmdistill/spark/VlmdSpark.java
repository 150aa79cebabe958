package org.vlmdistill.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.distill.teacher.TopKTruncation;
import org.vlmdistill.distill.train.UnusableDataException;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.report.MarkdownReport;
import org.vlmdistill.eval.report.ReportFiles;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.run.EvalJob;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.io.DirectoryLock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * The entry point for {@code spark-submit --class org.vlmdistill.spark.VlmdSpark vlmd-spark.jar COMMAND ...}:
 * {@code teacher-logits} ({@link SparkTeacherLogits}) and {@code eval} ({@link SparkEval}). Exit 0 done, 1 a
 * failed job, 2 a usage error or unusable data (as {@code vlmd}).
 */
@Command(name = "vlmd-spark", mixinStandardHelpOptions = true, subcommands = {VlmdSpark.TeacherLogits.class,
        VlmdSpark.Eval.class}, description = "vlmd teacher-logits and vlmd eval as Apache Spark jobs.")
public final class VlmdSpark implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit code. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new VlmdSpark());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof UnusableDataException || e instanceof IllegalArgumentException) {
                err.println("vlmd-spark: " + TerminalText.escapeKeepingLines(e.getMessage()));
                return EXIT_USAGE;
            }
            err.println("vlmd-spark: " + TerminalText.escapeKeepingLines(String.valueOf(e.getMessage())));
            return EXIT_FAILED;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return EXIT_USAGE;
    }

    /** Spark's settings: spark-submit's, or {@code --master} for a run without it (local[N] by default). */
    static JavaSparkContext context(String app, String master) {
        // spark.serializer.extraDebugInfo: the serialization debugger uses a JDK class Java 25 no longer has,
        // and its failure kills the executor's task thread (the task then never ends)
        SparkConf conf = new SparkConf().setAppName(app).set("spark.serializer.extraDebugInfo", "false");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        return new JavaSparkContext(conf);
    }

    @Command(name = "teacher-logits", mixinStandardHelpOptions = true, description = {
        "Run the teacher over a run config's data on Spark and store its top-p/top-k truncated distributions:",
        "the cache vlmd teacher-logits writes, one shard per partition; a rerun writes only missing partitions."})
    static final class TeacherLogits implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The run config (student, teacher, data, max_tokens, batch_size); every executor reads it at this path.")
        Path config;

        @Option(names = "--out", required = true, description = "The cache directory, on a file system every executor writes at this path.")
        Path out;

        @Option(names = "--partitions", defaultValue = "0", description = "Record ranges, one Spark task each (default 0: Spark's default parallelism).")
        int partitions;

        @Option(names = "--top-p", defaultValue = "0.95", description = "Keep the smallest prefix reaching this probability (default ${DEFAULT-VALUE}).")
        double topP;

        @Option(names = "--top-k", defaultValue = "50", description = "Then at most this many tokens (default ${DEFAULT-VALUE}).")
        int topK;

        @Option(names = "--temperature", defaultValue = "1.0", description = "Teacher temperature tau (default ${DEFAULT-VALUE}).")
        double temperature;

        @Option(names = "--master", description = "Spark master when not run by spark-submit, e.g. local[4] (default local[*]).")
        String master;

        @Option(names = "--inject-failure", hidden = true, description = "Test hook PARTITION:BATCHES:ATTEMPTS.")
        String injectFailure;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            TopKTruncation truncation = new TopKTruncation(topP, topK, temperature);
            FaultInjection failure = injectFailure == null ? null : FaultInjection.parse(injectFailure);
            try (JavaSparkContext spark = context("vlmd-spark teacher-logits", master)) {
                int n = partitions > 0 ? partitions : spark.defaultParallelism();
                SparkTeacherLogits.Result r = SparkTeacherLogits.run(spark,
                        new SparkTeacherLogits.Request(config, this.out, truncation, n, failure));
                printPartitions(out, r.partitions());
                out.println("wrote " + this.out + ": " + r.merged().cache().describe());
                long skipped = r.merged().data().skipped();
                out.printf(Locale.ROOT, "data: %d samples, %d records skipped%s%n", r.merged().samples(), skipped,
                        skipped == 0 ? "" : " " + r.merged().data().skippedByReason().entrySet().stream()
                                .map(e -> e.getKey().label() + " " + e.getValue())
                                .collect(Collectors.joining(", ", "(", ")"))
                                + "; each named with its place and reason in " + r.merged().skipped());
                out.flush();
            }
            return EXIT_OK;
        }
    }

    /** The per-partition counts a Spark user expects: records, samples, skips, rows, where and how long. */
    static void printPartitions(PrintWriter out, List<SparkTeacherLogits.PartitionReport> parts) {
        out.println("partition  records         samples  skipped  positions  executor (attempt)  seconds");
        for (SparkTeacherLogits.PartitionReport p : parts) {
            out.printf(Locale.ROOT, "%9d  [%d, %d)%s %7d  %7d  %9d  %s  %s%n", p.partition(), p.from(), p.to(),
                    " ".repeat(Math.max(1, 14 - ("[" + p.from() + ", " + p.to() + ")").length())), p.samples(),
                    p.skipped(), p.positions(), p.reused() ? "complete before, kept" : p.host() + " (" + p.attempt() + ")",
                    p.reused() ? "-" : String.format(Locale.ROOT, "%.1f", p.seconds()));
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true, description = {
        "Evaluate models on benchmarks on Spark: each benchmark's items split into ranges across executors;",
        "writes the results.json, results.md and report.html vlmd eval writes (without agreement)."})
    static final class Eval implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "A model directory (repeatable), at this path on every executor.")
        List<Path> models;

        @Option(names = "--bench", required = true, description = "A benchmark file, or FILE:KIND (repeatable).")
        List<String> benches;

        @Option(names = "--out", required = true, description = "Directory for results.json, results.md and report.html (on the driver).")
        Path out;

        @Option(names = "--partitions", defaultValue = "0", description = "Ranges per model, benchmark and mode (default 0: Spark's default parallelism).")
        int partitions;

        @Option(names = "--limit", defaultValue = "0", description = "Items per benchmark at most; 0 = all (default).")
        int limit;

        @Option(names = "--mode", defaultValue = "generate", description = "generate, loglik or both (default ${DEFAULT-VALUE}).")
        String mode;

        @Option(names = "--circular", description = "MMBench's circular evaluation.")
        boolean circular;

        @Option(names = "--max-new-tokens", defaultValue = "0", description = "Tokens generated at most per answer; 0 = the kind's default.")
        int maxNewTokens;

        @Option(names = "--batch-size", defaultValue = "8", description = "Items per forward (default ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--master", description = "Spark master when not run by spark-submit, e.g. local[4] (default local[*]).")
        String master;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter stdout = spec.commandLine().getOut();
            List<ScoringMode> modes = switch (mode.toLowerCase(Locale.ROOT)) {
                case "generate" -> List.of(ScoringMode.GENERATE);
                case "loglik" -> List.of(ScoringMode.LOGLIK);
                case "both" -> List.of(ScoringMode.GENERATE, ScoringMode.LOGLIK);
                default -> throw new IllegalArgumentException("--mode: '" + mode + "' is not generate, loglik or both");
            };
            List<Benchmarks.Spec> specs = benches.stream().map(Benchmarks.Spec::parse).toList();
            ComputePolicy policy = ComputePolicy.fromEnvironment();
            EvalSettings settings = new EvalSettings(modes, limit, circular, maxNewTokens, batchSize,
                    policy.computeDType().name().toLowerCase(Locale.ROOT), policy.device().toString());
            try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd-spark eval");
                 JavaSparkContext spark = context("vlmd-spark eval", master)) {
                lock.tookOverNote().ifPresent(stdout::println);
                int n = partitions > 0 ? partitions : spark.defaultParallelism();
                EvalReport report = SparkEval.run(spark, new EvalJob.Request(models, specs, settings, false), n);
                List<Path> written = ReportFiles.writeAll(report, out);
                stdout.print(TerminalText.escapeKeepingLines(MarkdownReport.summary(report)));
                stdout.println(TerminalText.escape("wrote " + written.stream().map(Path::toString)
                        .collect(Collectors.joining(", "))));
                stdout.flush();
            }
            return EXIT_OK;
        }
    }
}
