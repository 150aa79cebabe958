package org.vlmdistill.vlmd.cli;

import org.vlmdistill.core.text.TerminalText;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.eval.run.EvalProgress;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code --progress auto|bar|lines|none} means for each command: a bar on the terminal (auto when
 * there is a console), plain lines for logs, or nothing.
 */
final class ProgressViews {
    private ProgressViews() {
    }

    /** A training run's steps: {@code task} names the bar; lines come every {@code every} steps. */
    static Progress training(String progress, String task, PrintWriter stdout, long start, long total, int every) {
        return switch (progress) {
            case "auto" -> System.console() != null ? trainingBar(task, System.err, start, total)
                    : Progress.lines(stdout, total, every);
            case "bar" -> trainingBar(task, System.err, start, total);
            case "lines" -> Progress.lines(stdout, total, every);
            case "none" -> Progress.silent();
            default -> throw unknown(progress);
        };
    }

    /** Evaluation tasks: a bar per task with items/s, or a line when each starts and ends. */
    static EvalProgress evaluation(String progress, PrintWriter stdout) {
        return switch (progress) {
            case "auto" -> System.console() != null ? bars(System.err) : lines(stdout);
            case "bar" -> bars(System.err);
            case "lines" -> lines(stdout);
            case "none" -> EvalProgress.silent();
            default -> throw unknown(progress);
        };
    }

    /** Training steps as a bar named {@code task} on {@code out}, with the step's message beside it. */
    static Progress trainingBar(String task, PrintStream out, long start, long total) {
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed().setUnit(" step", 1)
                .startsFrom(start, Duration.ZERO).setConsumer(new ConsoleProgressBarConsumer(out)).build();
        return new Progress() {
            @Override
            public void update(long step, String message) {
                bar.stepTo(step);
                bar.setExtraMessage(" " + message);
            }

            @Override
            public void note(String line) {
                out.println();
                out.println(TerminalText.escapeKeepingLines(line));
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    private static Vlmd.UsageException unknown(String progress) {
        return new Vlmd.UsageException("--progress: '" + progress + "' is not auto, bar, lines or none");
    }

    /** One bar per task with items/s, on the terminal. */
    static EvalProgress bars(PrintStream err) {
        return new EvalProgress() {
            private ProgressBar bar;

            @Override
            public void start(String label, long total) {
                bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250).showSpeed().setUnit(" items", 1)
                        .setConsumer(new ConsoleProgressBarConsumer(err)).build();
            }

            @Override
            public void advance(long items) {
                bar.stepBy(items);
            }

            @Override
            public void finish(String summary) {
                bar.setExtraMessage(" " + summary);
                bar.close();
            }
        };
    }

    /** A line when each task starts and ends, with its items/s, for logs. */
    static EvalProgress lines(PrintWriter out) {
        return new EvalProgress() {
            private String label;
            private long total;
            private long started;

            @Override
            public void start(String label, long total) {
                this.label = label;
                this.total = total;
                this.started = System.nanoTime();
                out.printf(Locale.ROOT, "%s: %d items%n", label, total);
                out.flush();
            }

            @Override
            public void advance(long items) {
            }

            @Override
            public void finish(String summary) {
                double s = (System.nanoTime() - started) / 1e9;
                out.printf(Locale.ROOT, "%s: %s (%.1f s, %.2f items/s)%n", label, summary, s, total / Math.max(1e-9, s));
                out.flush();
            }
        };
    }
}
