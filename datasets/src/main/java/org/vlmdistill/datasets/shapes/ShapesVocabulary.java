package org.vlmdistill.datasets.shapes;

import org.vlmdistill.datasets.record.Turn;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every word the Shapes set's conversations and their multiple-choice prompts use, split as a
 * Whitespace pre-tokenizer splits ({@code \w+|[^\w\s]+}): what a word-level tokenizer must hold for
 * Shapes records to tokenize without {@code <unk>}.
 */
public final class ShapesVocabulary {
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    private ShapesVocabulary() {
    }

    /**
     * The vocabulary in lower case and capitalized (questions begin with a capital), whatever a few
     * thousand generated records hold beyond that, and what a multiple-choice prompt adds (the option
     * letters and {@link MultipleChoice#LETTER_INSTRUCTION}); sorted, each once.
     */
    public static List<String> words() {
        Set<String> words = new TreeSet<>();
        for (String w : ShapesGenerator.VOCABULARY) {
            words.add(w);
            words.add(Character.toUpperCase(w.charAt(0)) + w.substring(1));
        }
        for (long seed : new long[] {0, 1}) {
            ShapesDataset.records(ShapesConfig.defaults(), seed, 0, 2000).forEach(r -> r.turns().forEach(t -> {
                Matcher m = WORD.matcher(t.text().replace(Turn.IMAGE_PLACEHOLDER, " "));
                while (m.find()) {
                    words.add(m.group());
                }
            }));
        }
        words.addAll(MultipleChoice.LETTERS);
        Matcher instruction = WORD.matcher(MultipleChoice.LETTER_INSTRUCTION);
        while (instruction.find()) {
            words.add(instruction.group());
        }
        return List.copyOf(words);
    }
}
