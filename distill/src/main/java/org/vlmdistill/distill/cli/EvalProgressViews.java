package org.vlmdistill.distill.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.vlmdistill.eval.run.EvalProgress;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

/** How evaluation shows its progress on the command line ({@code --progress auto|bar|lines|none}). */
final class EvalProgressViews {
    private EvalProgressViews() {
    }

    static EvalProgress of(String progress, PrintWriter stdout) {
        return switch (progress) {
            case "auto" -> System.console() != null ? bars(System.err) : lines(stdout);
            case "bar" -> bars(System.err);
            case "lines" -> lines(stdout);
            case "none" -> EvalProgress.silent();
            default -> throw new Vlmd.UsageException("--progress: '" + progress + "' is not auto, bar, lines or none");
        };
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
