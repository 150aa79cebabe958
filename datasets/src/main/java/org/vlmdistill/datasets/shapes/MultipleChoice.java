package org.vlmdistill.datasets.shapes;

import java.util.List;

/**
 * A question's multiple-choice form: four distinct options, labelled A to D, one of them right.
 *
 * @param answer the right option's letter
 */
public record MultipleChoice(List<String> options, String answer) {
    public static final List<String> LETTERS = List.of("A", "B", "C", "D");
    /**
     * LLaVA's multiple-choice instruction (its MMBench / ScienceQA evaluation prompt, and the line its
     * training data ends such questions with): what eval's prompts and the demo's training forms end with.
     */
    public static final String LETTER_INSTRUCTION = "Answer with the option's letter from the given choices directly.";

    public MultipleChoice {
        options = List.copyOf(options);
        if (options.size() != LETTERS.size() || options.stream().distinct().count() != LETTERS.size()) {
            throw new IllegalArgumentException("need " + LETTERS.size() + " distinct options, got " + options);
        }
        if (!LETTERS.contains(answer)) {
            throw new IllegalArgumentException("answer must be one of " + LETTERS + ", got " + answer);
        }
    }

    /** The right option's text. */
    public String answerText() {
        return options.get(LETTERS.indexOf(answer));
    }
}
