package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.io.DirectoryLock;
import org.vlmdistill.datasets.shapes.QuestionKind;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.datasets.shapes.ShapesSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Data sets: making them (and, later, checking and showing them). */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Data sets: make the synthetic Shapes set, check a data set, show a record as a model sees it.",
        subcommands = {DataCommand.Synth.class, DataCheckCommand.class, DataShowCommand.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a data command: synth, check or show");
    }

    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write the synthetic Shapes set: PNGs, LLaVA train/test JSONL, VLMEvalKit test TSVs.")
    static final class Synth implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Directory to write (created if missing).")
        Path out;

        @Option(names = "--n", defaultValue = "10000", description = "Samples in all (default ${DEFAULT-VALUE}).")
        int n;

        @Option(names = "--seed", defaultValue = "0", description = "Seed; with the index it fixes every sample (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--test-fraction", defaultValue = "0.1",
                description = "Share of the samples, the last ones by index, in the test split (default ${DEFAULT-VALUE}).")
        double testFraction;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (n < 1) {
                throw new Vlmd.UsageException("--n must be at least 1, got " + n);
            }
            if (!(testFraction >= 0 && testFraction < 1)) {
                throw new Vlmd.UsageException("--test-fraction must be in [0, 1), got " + testFraction);
            }
            int nTest = (int) Math.round(n * testFraction);
            ShapesSummary summary;
            try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd data synth")) {
                lock.tookOverNote().ifPresent(spec.commandLine().getOut()::println);
                summary = ShapesDataset.write(out, n - nTest, nTest, seed);
            }
            print(spec.commandLine().getOut(), summary);
            return Vlmd.EXIT_OK;
        }

        private static void print(PrintWriter out, ShapesSummary s) {
            out.printf("wrote %d train and %d test samples to %s (seed %d); %d test samples also as multiple choice%n",
                    s.train().samples(), s.test().samples(), s.dir(), s.seed(), s.multipleChoice());
            out.printf("  %-16s %7s %7s%n", "kind", "train", "test");
            for (QuestionKind kind : QuestionKind.values()) {
                out.printf("  %-16s %7d %7d%n", kind.label(), s.train().kinds().getOrDefault(kind, 0),
                        s.test().kinds().getOrDefault(kind, 0));
            }
            int yes = s.yes();
            int no = s.no();
            out.printf("yes/no answers: %d yes, %d no (%.1f%% yes)%n", yes, no,
                    yes + no == 0 ? 0.0 : 100.0 * yes / (yes + no));
            out.printf("files: %s/, %s, %s, %s, %s%n", ShapesDataset.IMAGES, ShapesDataset.TRAIN_JSONL,
                    ShapesDataset.TEST_JSONL, ShapesDataset.TEST_TSV, ShapesDataset.TEST_MCQ_TSV);
            out.flush();
        }
    }
}
