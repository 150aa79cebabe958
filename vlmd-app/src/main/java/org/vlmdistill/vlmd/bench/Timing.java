package org.vlmdistill.vlmd.bench;


/** Wall-clock seconds of repeated runs; benchmarks report medians, never single runs. */
public record Timing(String name, double[] seconds) {

    public double median() {
        return Median.of(seconds);
    }

    /** Seconds one run of {@code body} takes. */
    public static double seconds(ThrowingRunnable body) throws Exception {
        long t0 = System.nanoTime();
        body.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
