package org.vlmdistill.eval.score;

import org.vlmdistill.eval.bench.Choice;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads the chosen option from a multiple-choice answer: VLMEvalKit's {@code can_infer}
 * ({@code vlmeval/utils/matching_util.py}), the rule it applies before, or without, a judge model
 * (its {@code exact_matching} policy). In order:
 * <ol>
 *   <li>{@link Extraction#REFUSED}: the output contains one of VLMEvalKit's four refusal phrases
 *       ({@code "Cannot determine the answer"}, ...), case-sensitively. The answer is {@code "Z"}, which
 *       matches no option and so scores as wrong.</li>
 *   <li>{@link Extraction#LETTER}: replace each of {@code .()[],:;!*#{}} by a space, split on white
 *       space; if exactly one option letter occurs among the words, that letter. Letters are
 *       case-sensitive as in VLMEvalKit: {@code "b"} is not option B, which keeps the article "a" from
 *       being read as option A. If no option letter occurs but the word {@code Z} does, the answer is
 *       {@code "Z"} (rule {@link Extraction#REFUSED}).</li>
 *   <li>{@link Extraction#OPTION_TEXT}: lower-cased, if exactly one option's text is a substring of the
 *       output, that option. An option whose text is contained in another's ("red", "dark red") makes
 *       both match whenever the longer one does: then no answer, as in VLMEvalKit.</li>
 *   <li>{@link Extraction#UNANSWERED} otherwise, also when two or more letters (or texts) match:
 *       VLMEvalKit then writes {@code "Z"}, scored as wrong the same way.</li>
 * </ol>
 * Left out of VLMEvalKit's function: its check for its own API-failure message, and the
 * {@code VERBOSE}-only warning about "A" as a quantifier, which changes the answer only when that
 * environment variable is set. Followed is the long-standing form of the file (as at commit
 * {@code 18fc37a}); another revision seen upstream also demands that the letter come before the last
 * five words and skips the text rule for long outputs.
 */
public final class ChoiceExtraction {
    private static final List<String> REJECT_TO_ANSWER = List.of(
            "Sorry, I can't help with images of people yet.",
            "I can't process this file.",
            "I'm sorry, but without the image provided",
            "Cannot determine the answer");
    private static final String SEPARATORS = ".()[],:;!*#{}";
    private static final String REFUSAL = "Z";

    private ChoiceExtraction() {
    }

    /**
     * @param output  the generated text
     * @param choices the offered options; letters are single upper-case letters A to Z, each once
     */
    public static Extraction extract(String output, List<Choice> choices) {
        Objects.requireNonNull(output, "output");
        Map<String, String> options = byLetter(choices);
        for (String phrase : REJECT_TO_ANSWER) {
            if (output.contains(phrase)) {
                return Extraction.of(REFUSAL, Extraction.REFUSED);
            }
        }

        String spaced = output;
        for (int i = 0; i < SEPARATORS.length(); i++) {
            spaced = spaced.replace(SEPARATORS.charAt(i), ' ');
        }
        Set<String> words = new HashSet<>(PythonText.split(spaced));
        List<String> named = options.keySet().stream().filter(words::contains).toList();
        if (named.size() == 1) {
            return Extraction.of(named.getFirst(), Extraction.LETTER);
        }
        if (named.isEmpty() && words.contains(REFUSAL)) {
            return Extraction.of(REFUSAL, Extraction.REFUSED);
        }

        String lower = PythonText.lower(output);
        List<String> contained = options.entrySet().stream()
                .filter(e -> lower.contains(PythonText.lower(e.getValue())))
                .map(Map.Entry::getKey)
                .toList();
        if (contained.size() == 1) {
            return Extraction.of(contained.getFirst(), Extraction.OPTION_TEXT);
        }
        return Extraction.unanswered();
    }

    private static Map<String, String> byLetter(List<Choice> choices) {
        Map<String, String> options = new LinkedHashMap<>();
        for (Choice c : choices) {
            // VLMEvalKit asserts the same (can_infer_text: k in string.ascii_uppercase).
            if (c.letter().length() != 1 || c.letter().charAt(0) < 'A' || c.letter().charAt(0) > 'Z') {
                throw new IllegalArgumentException("option letter '" + c.letter() + "' is not one of A to Z");
            }
            if (options.put(c.letter(), c.text()) != null) {
                throw new IllegalArgumentException("option letter " + c.letter() + " is offered twice");
            }
        }
        return options;
    }
}
