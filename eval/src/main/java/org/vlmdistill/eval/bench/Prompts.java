package org.vlmdistill.eval.bench;

import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.shapes.MultipleChoice;

import java.util.List;

/**
 * The user turn a model is shown for an item, before its chat template: one {@code <image>} line per
 * image, then the text. The template, the image tokens and the generation prompt are each model's own.
 */
public final class Prompts {
    /** LLaVA's multiple-choice instruction (its MMBench / ScienceQA evaluation prompt). */
    public static final String LETTER_INSTRUCTION = MultipleChoice.LETTER_INSTRUCTION;

    private Prompts() {
    }

    /**
     * What generation answers. Multiple choice: the question, one {@code "A. text"} line per option and
     * {@link #LETTER_INSTRUCTION}; every other kind: the question as the file gives it (MME and POPE
     * questions carry their own "Please answer yes or no.").
     */
    public static String generation(BenchItem item, BenchmarkKind kind) {
        if (kind == BenchmarkKind.MULTIPLE_CHOICE) {
            return imageLines(item) + multipleChoice(item.question(), item.choices());
        }
        return imageLines(item) + item.question();
    }

    /**
     * A multiple-choice question as generation shows it, without image lines: the question, one
     * {@code "A. text"} line per option, then {@link #LETTER_INSTRUCTION}. Training data in this form
     * (the demo's) meets the evaluation prompt exactly.
     */
    public static String multipleChoice(String question, List<Choice> choices) {
        StringBuilder text = new StringBuilder(question);
        for (Choice c : choices) {
            text.append('\n').append(c.letter()).append(". ").append(c.text());
        }
        return text.append('\n').append(LETTER_INSTRUCTION).toString();
    }

    /**
     * What option log-likelihood continues: the question alone, so that each option's text is scored
     * as the answer itself (a cloze, as lm-eval-harness scores ARC), with no letter to extract.
     */
    public static String cloze(BenchItem item) {
        return imageLines(item) + item.question();
    }

    /**
     * The answers log-likelihood compares, in order: the options' texts (multiple choice), or yes and
     * no written as the file writes its answers ("Yes"/"No" when the reference is capitalized).
     */
    public static List<String> continuations(BenchItem item, BenchmarkKind kind) {
        return switch (kind) {
            case MULTIPLE_CHOICE -> item.choices().stream().map(Choice::text).toList();
            case YES_NO -> Character.isUpperCase(item.answer().charAt(0)) ? List.of("Yes", "No") : List.of("yes", "no");
            case OPEN, EXACT -> throw new IllegalArgumentException(kind.label() + " items have no options to score");
        };
    }

    private static String imageLines(BenchItem item) {
        return (Turn.IMAGE_PLACEHOLDER + "\n").repeat(item.images().size());
    }
}
