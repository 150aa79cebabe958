package org.vlmdistill.distill.train;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * How a run shows where it is: one plain line every so often when the output is a log file, nothing,
 * or whatever an application draws (vlmd's progress bar on a terminal: steps, rate, ETA, and the latest
 * loss, t and tokens/s).
 */
public interface Progress extends AutoCloseable {

    /** After optimizer step {@code step}: the line's extra text, e.g. {@code loss 1.234 t 0.41 1.2k tok/s}. */
    void update(long step, String message);

    /** A line above the bar (checkpoint written, step skipped). */
    void note(String line);

    @Override
    void close();

    static Progress lines(PrintWriter out, long total, int every) {
        long started = System.nanoTime();
        return new Progress() {
            private long first = -1;

            @Override
            public void update(long step, String message) {
                if (first < 0) {
                    first = step - 1;
                }
                if (step % Math.max(1, every) == 0 || step == total) {
                    double elapsed = (System.nanoTime() - started) / 1e9;
                    double perStep = elapsed / Math.max(1, step - first);
                    out.printf(Locale.ROOT, "step %d/%d  %s  eta %s%n", step, total, message,
                            format(Duration.ofSeconds((long) (perStep * (total - step)))));
                    out.flush();
                }
            }

            @Override
            public void note(String line) {
                out.println(line);
                out.flush();
            }

            @Override
            public void close() {
                out.flush();
            }
        };
    }

    static Progress silent() {
        return new Progress() {
            @Override
            public void update(long step, String message) {
            }

            @Override
            public void note(String line) {
            }

            @Override
            public void close() {
            }
        };
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
