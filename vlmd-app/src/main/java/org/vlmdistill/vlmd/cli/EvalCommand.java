package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.io.DirectoryLock;
import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.distill.config.NumberRange;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.report.MarkdownReport;
import org.vlmdistill.eval.report.ReportFiles;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.run.EvalJob;
import org.vlmdistill.eval.run.EvalProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Benchmarks for one or more models, with a report: {@code vlmd eval --model D --bench F --out O}. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate models on image+text benchmarks and write results.json, results.md and report.html.",
            "A benchmark is a VLMEvalKit TSV, a LLaVA JSON/JSONL or a Shapes file; its kind (multiple_choice, yes_no,",
            "open, exact) is detected, or named as FILE:KIND. With several models, the first is the reference",
            "(teacher) the others' agreement is measured against."})
final class EvalCommand implements Callable<Integer> {
    /** Items per benchmark; 0 is all. */
    static final NumberRange LIMIT = NumberRange.closed(0, Integer.MAX_VALUE);
    /** 0 is the kind's default; at most as many tokens as a training sample may hold (a run's max_tokens). */
    static final NumberRange MAX_NEW_TOKENS = NumberRange.closed(0, RunConfig.MAX_TOKENS.max());

    @Option(names = "--model", required = true, description = "A Hugging Face model directory (repeatable; the first is the reference).")
    List<Path> models;

    @Option(names = "--bench", required = true, description = "A benchmark file, or FILE:KIND (repeatable).")
    List<String> benches;

    @Option(names = "--out", required = true, description = "Directory for results.json, results.md and report.html.")
    Path out;

    @Option(names = "--limit", defaultValue = "0", description = "Items per benchmark at most; 0 = all (default).")
    int limit;

    @Option(names = "--mode", defaultValue = "generate",
            description = "generate, loglik or both (default ${DEFAULT-VALUE}); loglik applies to multiple choice and yes/no.")
    String mode;

    @Option(names = "--circular", description = "MMBench's circular evaluation: every rotation of the options must be right.")
    boolean circular;

    @Option(names = "--max-new-tokens", defaultValue = "0",
            description = "Tokens generated at most per answer, up to 1,048,576; 0 = the benchmark kind's default (8 to 32).")
    int maxNewTokens;

    @Option(names = "--batch-size", defaultValue = "8", description = "Items per forward, 1 to 65,536 (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--no-agreement", description = "Skip teacher-student agreement when several models are given.")
    boolean noAgreement;

    @Option(names = "--progress", defaultValue = "auto",
            description = "auto (a bar on a terminal, lines otherwise), bar, lines or none (default ${DEFAULT-VALUE}).")
    String progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        List<ScoringMode> modes = switch (mode.toLowerCase(Locale.ROOT)) {
            case "generate" -> List.of(ScoringMode.GENERATE);
            case "loglik" -> List.of(ScoringMode.LOGLIK);
            case "both" -> List.of(ScoringMode.GENERATE, ScoringMode.LOGLIK);
            default -> throw new Vlmd.UsageException("--mode: '" + mode + "' is not generate, loglik or both");
        };
        List<String> problems = new ArrayList<>();
        LIMIT.problemWith("--limit", limit).ifPresent(problems::add);
        MAX_NEW_TOKENS.problemWith("--max-new-tokens", maxNewTokens).ifPresent(problems::add);
        RunConfig.BATCH_SIZE.problemWith("--batch-size", batchSize).ifPresent(problems::add);
        if (!problems.isEmpty()) {
            throw new Vlmd.UsageException(String.join("; ", problems));
        }
        for (Path m : models) {
            if (!Files.isDirectory(m)) {
                throw new Vlmd.UsageException("--model " + m + ": not a directory");
            }
        }
        List<Benchmarks.Spec> specs = new ArrayList<>();
        for (String b : benches) {
            Benchmarks.Spec s;
            try {
                s = Benchmarks.Spec.parse(b);
            } catch (IllegalArgumentException e) {
                throw new Vlmd.UsageException("--bench " + b + ": " + e.getMessage());
            }
            if (!Files.isRegularFile(s.file())) {
                throw new Vlmd.UsageException("--bench " + s.file() + ": no such file");
            }
            specs.add(s);
        }
        ComputePolicy policy = ComputePolicy.fromEnvironment();
        EvalSettings settings = new EvalSettings(modes, limit, circular, maxNewTokens, batchSize,
                policy.computeDType().name().toLowerCase(Locale.ROOT), policy.device().toString());
        EvalJob.Request request = new EvalJob.Request(models, specs, settings, !noAgreement && models.size() > 1);
        EvalProgress bar = ProgressViews.evaluation(progress, stdout);
        // held from before the models load to the last report file: two evals into one --out would
        // interleave their results.json, results.md and report.html
        try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd eval")) {
            lock.tookOverNote().ifPresent(stdout::println);
            EvalReport report;
            try {
                report = EvalJob.run(request, policy, ReaderOptions.DEFAULTS, new ImageDecoder(), Vlmd.Version.versions(), bar);
            } catch (NoSuchFileException e) { // a benchmark's image; a model that does not load reaches Vlmd's mapper
                throw new Vlmd.UsageException(e.getMessage());
            }
            List<Path> written = ReportFiles.writeAll(report, out);
            stdout.println();
            stdout.print(TerminalText.escapeKeepingLines(MarkdownReport.summary(report)));
            stdout.println(TerminalText.escape("wrote " + written.stream().map(Path::toString)
                    .reduce((a, b) -> a + ", " + b).orElse("")));
            stdout.flush();
        }
        return Vlmd.EXIT_OK;
    }
}
