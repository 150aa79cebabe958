package org.vlmdistill.eval.score;

import java.util.Objects;

/**
 * The answer a scoring rule read from a model's output, and which rule read it.
 *
 * @param answer the answer (an option letter, {@code "Z"} for a refusal, {@code "yes"} / {@code "no"}),
 *               or null when the output gives none
 * @param rule   {@link #LETTER}, {@link #OPTION_TEXT}, {@link #REFUSED} (multiple choice);
 *               {@link #EXACT}, {@link #PREFIX} (yes/no); {@link #UNANSWERED} exactly when {@code answer}
 *               is null
 */
public record Extraction(String answer, String rule) {
    /** A single option letter standing alone in the output. */
    public static final String LETTER = "letter";
    /** A single option's text contained in the output. */
    public static final String OPTION_TEXT = "option_text";
    /** A refusal phrase, or a lone {@code Z} where no option is named; the answer is {@code "Z"}. */
    public static final String REFUSED = "refused";
    /** The whole output is the answer ({@code "yes"}, {@code "No."}). */
    public static final String EXACT = "exact";
    /** The answer is read from the output's first four characters. */
    public static final String PREFIX = "prefix";
    /** No rule found an answer. */
    public static final String UNANSWERED = "unanswered";

    public Extraction {
        Objects.requireNonNull(rule, "rule");
        // Reports count unanswered items from the rule; an answer without a rule, or the reverse, would
        // make that count disagree with the answers.
        if ((answer == null) != rule.equals(UNANSWERED)) {
            throw new IllegalArgumentException("answer " + (answer == null ? "null" : "'" + answer + "'")
                    + " with rule '" + rule + "': the answer is null exactly when the rule is " + UNANSWERED);
        }
    }

    public static Extraction of(String answer, String rule) {
        return new Extraction(Objects.requireNonNull(answer, "answer"), rule);
    }

    public static Extraction unanswered() {
        return new Extraction(null, UNANSWERED);
    }

    public boolean answered() {
        return answer != null;
    }
}
