package org.vlmdistill.eval.result;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One model on one benchmark in one mode.
 *
 * @param model      the model's label ({@link ModelInfo#name()})
 * @param benchmark  the benchmark's name ({@link BenchmarkInfo#name()})
 * @param metrics    the scores; the first is the headline shown in tables and charts
 * @param byCategory the same scores per category, categories in first-seen order
 * @param unscored   items of the benchmark this run could not score for this model (an image its
 *                   processor refused, a prompt over the context length), as problems
 * @param seconds    wall time of this model on this benchmark in this mode
 * @param itemsPerSecond items scored per second of that time
 */
public record BenchmarkScore(String model, String benchmark, ScoringMode mode, List<Metric> metrics,
                             Map<String, List<Metric>> byCategory, List<Prediction> predictions,
                             List<org.vlmdistill.eval.bench.BenchProblem> unscored, double seconds,
                             double itemsPerSecond) {
    public BenchmarkScore {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(mode, "mode");
        metrics = List.copyOf(metrics);
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("a benchmark score needs at least its headline metric");
        }
        Map<String, List<Metric>> copy = new LinkedHashMap<>();
        byCategory.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        byCategory = java.util.Collections.unmodifiableMap(copy);
        predictions = List.copyOf(predictions);
        unscored = List.copyOf(unscored);
    }

    public Metric headline() {
        return metrics.getFirst();
    }
}
