package org.vlmdistill.eval.result;

import java.util.List;
import java.util.Objects;

/**
 * One model's answer to one item in one mode.
 *
 * @param index      the item's record index in the benchmark file (from 0)
 * @param output     the raw generated text; in loglik mode the chosen option's text
 * @param extracted  the answer the scoring rule read from {@code output} (a letter, "yes"/"no", the
 *                   normalized text), or null when unanswered
 * @param rule       which rule produced {@code extracted}: {@code letter}, {@code option_text},
 *                   {@code refused}, {@code unanswered} (multiple choice); {@code exact}, {@code prefix}
 *                   (yes/no); {@code vqa}, {@code exact_match}; {@code loglik}
 * @param score      the item's score in [0, 1]: 1 or 0, or VQA's partial accuracy
 * @param correct    whether it counts as right ({@code score == 1} except VQA, where {@code score > 0})
 * @param logLikelihoods per option, in letter order, the summed log-probability of its tokens (loglik
 *                   mode); empty otherwise
 */
public record Prediction(int index, String id, String category, ScoringMode mode, String output, String extracted,
                         String rule, double score, boolean correct, List<String> references,
                         List<Double> logLikelihoods) {
    public Prediction {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(rule, "rule");
        references = List.copyOf(references);
        logLikelihoods = List.copyOf(logLikelihoods);
    }
}
