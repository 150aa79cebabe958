package org.vlmdistill.eval.result;

import java.util.Objects;

/**
 * A named score and the number of items it was computed over.
 *
 * @param name  {@code accuracy}, {@code circular_accuracy}, {@code precision}, {@code recall},
 *              {@code f1}, {@code yes_ratio}, {@code vqa_accuracy}, {@code mme_score}, ...
 * @param value a fraction in [0, 1], except MME's points (0 to 200 per category)
 * @param over  items (or, for circular accuracy and MME's accuracy-plus, groups) it was computed over
 */
public record Metric(String name, double value, int over) {
    public Metric {
        Objects.requireNonNull(name, "name");
    }
}
