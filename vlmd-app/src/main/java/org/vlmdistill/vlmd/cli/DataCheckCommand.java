package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.datasets.check.DatasetCheck;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code vlmd data check}: a data set read through the training loaders, and what they found. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Read a data set through the same loaders as training: counts, length percentiles, "
                + "image sizes, and every bad record with its reason and place.")
final class DataCheckCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = ".json, .jsonl, .tsv or .tar files; brace patterns like shard-{000..009}.tar")
    List<String> files;

    @Option(names = "--model", description = "A model directory: token lengths with its chat template and tokenizer.")
    Path model;

    @Option(names = "--image-root", description = "Directory image paths are relative to (default: each data file's directory).")
    Path imageRoot;

    @Option(names = "--max-tokens", defaultValue = "2048", description = "Token limit per sample (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--list", defaultValue = "50", description = "Bad records listed in full (default ${DEFAULT-VALUE}; all are counted).")
    int list;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> paths = new ArrayList<>();
        for (String f : files) {
            paths.addAll(Readers.expand(f));
        }
        ReaderOptions options = ReaderOptions.DEFAULTS.withMaxSkipsKept(Math.max(list, 0));
        if (imageRoot != null) {
            options = options.withImageRoot(imageRoot);
        }
        Optional<ModelSamples> samples = Optional.empty();
        try {
            if (model != null) {
                samples = Optional.of(ModelSamples.open(model, SampleOptions.defaults().withMaxTokens(maxTokens)));
            }
            var err = spec.commandLine().getErr();
            DatasetCheck.CheckReport r = DatasetCheck.run(paths, options, new ImageDecoder(), samples,
                    n -> err.printf("\rread %,d records", n).flush());
            err.print("\r");
            err.flush();
            print(out, r, model);
            out.flush();
            return Vlmd.EXIT_OK;
        } finally {
            samples.ifPresent(ModelSamples::close);
        }
    }

    static void print(PrintWriter out, DatasetCheck.CheckReport r, Path model) {
        out.printf("files: %d%n", r.files().size());
        out.printf("good records: %,d   skipped: %,d   images: %,d%n", r.goodRecords(), r.skipped(), r.images());
        out.println("characters per record: " + percentiles(r.chars()));
        r.tokens().ifPresent(t -> out.println("tokens per record (" + TerminalText.escape(String.valueOf(model)) + "): "
                + percentiles(t)
                + (r.shortened() > 0 ? "; " + r.shortened() + " shortened to the limit" : "")));
        out.println("image size (longest side, px):");
        r.imageSizes().forEach((bucket, n) -> out.printf("  %-8s %,10d %s%n", bucket, n, bar(n, r.images())));
        if (r.skipped() > 0) {
            out.println("skipped by reason:");
            for (Map.Entry<SkipReason, Long> e : r.skippedByReason().entrySet()) {
                out.printf("  %-50s %,10d%n", e.getKey().label(), e.getValue());
            }
            out.println("bad records" + (r.skippedRecords().size() < r.skipped()
                    ? " (first " + r.skippedRecords().size() + "; --list N for more)" : "") + ":");
            for (SkippedRecord s : r.skippedRecords()) {
                out.println("  " + TerminalText.escape(s.toString()));
            }
        }
    }

    private static String percentiles(DatasetCheck.Percentiles p) {
        return "min %d, p50 %d, p90 %d, p99 %d, max %d, mean %.1f".formatted(p.min(), p.p50(), p.p90(), p.p99(), p.max(), p.mean());
    }

    private static String bar(long n, long total) {
        return total == 0 ? "" : "#".repeat((int) Math.round(40.0 * n / total));
    }
}
