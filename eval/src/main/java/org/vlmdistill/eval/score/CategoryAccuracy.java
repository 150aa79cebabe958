package org.vlmdistill.eval.score;

import org.vlmdistill.eval.result.Metric;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mean per-item scores as {@link Metric}s: the whole benchmark's, and per category (MMBench's and
 * SEED-Bench's per-category tables, the Shapes set's per question kind). An item's score is 1 or 0,
 * or VQA's partial accuracy; the metric's {@code over} is the number of items averaged.
 */
public final class CategoryAccuracy {
    private CategoryAccuracy() {
    }

    /** Per category, in first-seen order: the mean score of its items, over their count. */
    public static Map<String, Metric> byCategory(String metricName, List<String> categories, List<Double> scores) {
        if (categories.size() != scores.size()) {
            throw new IllegalArgumentException(categories.size() + " categories for " + scores.size() + " scores");
        }
        Map<String, double[]> sumAndCount = new LinkedHashMap<>();
        for (int i = 0; i < scores.size(); i++) {
            String category = Objects.requireNonNull(categories.get(i), "category of item " + i);
            double[] s = sumAndCount.computeIfAbsent(category, c -> new double[2]);
            s[0] += scores.get(i);
            s[1]++;
        }
        Map<String, Metric> metrics = new LinkedHashMap<>();
        sumAndCount.forEach((category, s) -> metrics.put(category, new Metric(metricName, s[0] / s[1], (int) s[1])));
        return Collections.unmodifiableMap(metrics);
    }

    /** The mean score over all items; NaN over 0 items when there are none. */
    public static Metric overall(String metricName, List<Double> scores) {
        double sum = 0;
        for (double s : scores) {
            sum += s;
        }
        return new Metric(metricName, scores.isEmpty() ? Double.NaN : sum / scores.size(), scores.size());
    }
}
