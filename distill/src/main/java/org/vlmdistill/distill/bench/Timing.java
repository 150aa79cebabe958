package org.vlmdistill.distill.bench;

import java.util.Arrays;

/** Wall-clock samples of repeated runs; benchmarks report medians, never single runs. */
public record Timing(String name, double[] seconds) {

    public double median() {
        double[] s = seconds.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    public double min() {
        return Arrays.stream(seconds).min().orElse(Double.NaN);
    }

    public double max() {
        return Arrays.stream(seconds).max().orElse(Double.NaN);
    }

    /** Runs {@code body} {@code runs} times and keeps each duration. */
    public static Timing measure(String name, int runs, ThrowingRunnable body) throws Exception {
        double[] s = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        return new Timing(name, s);
    }

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
