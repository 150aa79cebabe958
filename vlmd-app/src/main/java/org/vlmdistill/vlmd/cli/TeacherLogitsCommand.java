package org.vlmdistill.vlmd.cli;

import org.vlmdistill.distill.teacher.TeacherLogitsJob;
import org.vlmdistill.distill.teacher.TopKTruncation;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code vlmd teacher-logits --config run.json --out DIR}: the offline teacher cache (top-p then top-k
 * truncated log-probabilities per loss position), for a run to read through {@code teacher_cache}.
 */
@Command(name = "teacher-logits", mixinStandardHelpOptions = true,
        description = "Run the teacher once over a run config's data and store its top-p/top-k truncated distributions.")
final class TeacherLogitsCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The run config (its student, teacher, data, max_tokens).")
    Path config;

    @Option(names = "--out", required = true, description = "The cache directory to write (must not hold a cache); its skipped.jsonl names each record left out.")
    Path out;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Keep the smallest prefix reaching this probability (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "50", description = "Then at most this many tokens (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Teacher temperature tau: softmax(z / tau) (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--progress", defaultValue = "auto", description = "auto, bar, lines or none (default ${DEFAULT-VALUE}).")
    String progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        RunConfig run;
        TopKTruncation truncation;
        try {
            run = RunConfig.read(config);
            truncation = new TopKTruncation(topP, topK, temperature);
        } catch (IllegalArgumentException e) { // RunConfigException included
            throw new Vlmd.UsageException(e.getMessage());
        }
        TeacherLogitsJob.Result r = TeacherLogitsJob.run(run, out, truncation, total -> ProgressViews.training(progress,
                "teacher-logits", console, 0, total, 10));
        console.println("wrote " + out + ": " + r.cache().describe());
        // the same data line as distill's: a record left out is counted here and named in skipped.jsonl
        long skipped = r.data().skipped();
        console.printf(Locale.ROOT, "data: %d samples, %d records skipped%s%n", r.samples(), skipped,
                skipped == 0 ? "" : " " + r.data().skippedByReason().entrySet().stream()
                        .map(e -> e.getKey().label() + " " + e.getValue()).collect(Collectors.joining(", ", "(", ")"))
                        + "; each named with its place and reason in " + r.skipped());
        console.flush();
        return Vlmd.EXIT_OK;
    }
}
