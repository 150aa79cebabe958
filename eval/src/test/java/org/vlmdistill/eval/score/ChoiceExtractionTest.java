package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;
import org.vlmdistill.eval.bench.Choice;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChoiceExtractionTest {
    private static final List<Choice> COLORS = List.of(
            new Choice("A", "red"), new Choice("B", "blue"), new Choice("C", "green"), new Choice("D", "yellow"));
    private static final List<Choice> SHAPES = List.of(
            new Choice("A", "square"), new Choice("B", "triangle"), new Choice("C", "star"));
    private static final String SEPARATORS = ".()[],:;!*#{}";

    private static void assertExtracts(String output, List<Choice> choices, String answer, String rule) {
        Extraction e = ChoiceExtraction.extract(output, choices);
        assertEquals(new Extraction(answer, rule), e, "output '" + output + "'");
    }

    @Test
    void aLetterStandingAloneIsTheAnswer() {
        assertExtracts("B", COLORS, "B", Extraction.LETTER);
        assertExtracts("The answer is B.", COLORS, "B", Extraction.LETTER);
        assertExtracts("(C)", COLORS, "C", Extraction.LETTER);
        assertExtracts("Answer: D", COLORS, "D", Extraction.LETTER);
        assertExtracts("**B**", COLORS, "B", Extraction.LETTER);
        assertExtracts("{A}", COLORS, "A", Extraction.LETTER);
        assertExtracts("The answer is\nC", COLORS, "C", Extraction.LETTER);
    }

    @Test
    void theLetterRuleComesBeforeTheTextRule() {
        // "A. red" names A twice; "B. red" names B by letter although its text is A's.
        assertExtracts("A. red", COLORS, "A", Extraction.LETTER);
        assertExtracts("B. red", COLORS, "B", Extraction.LETTER);
    }

    @Test
    void twoLettersFallThroughToTheText() {
        assertExtracts("B and C", COLORS, null, Extraction.UNANSWERED);
        assertExtracts("B and C, I mean blue", COLORS, "B", Extraction.OPTION_TEXT);
    }

    @Test
    void lettersAreCaseSensitive() {
        assertExtracts("b", COLORS, null, Extraction.UNANSWERED);
        // Not A by letter: "a" is an article; A only through its text.
        assertExtracts("a red circle", COLORS, "A", Extraction.OPTION_TEXT);
        assertExtracts("a red circle", SHAPES, null, Extraction.UNANSWERED);
    }

    @Test
    void aLetterMustBeAWholeWordAfterSeparatorsBecomeSpaces() {
        assertExtracts("Bee", SHAPES, null, Extraction.UNANSWERED);
        // '-' and '/' are not among VLMEvalKit's separators
        assertExtracts("A-B", SHAPES, null, Extraction.UNANSWERED);
        assertExtracts("A/B", SHAPES, null, Extraction.UNANSWERED);
        assertExtracts("option(B)", SHAPES, "B", Extraction.LETTER);
    }

    @Test
    void thePronounIIsALetterWhenThereIsAnOptionI() {
        List<Choice> nine = new ArrayList<>();
        for (char c = 'A'; c <= 'I'; c++) {
            nine.add(new Choice(String.valueOf(c), "option " + (c - 'A')));
        }
        assertExtracts("I think it is B", COLORS, "B", Extraction.LETTER);
        assertExtracts("I think it is B", nine, null, Extraction.UNANSWERED);
    }

    @Test
    void aSingleOptionTextContainedIsTheAnswer() {
        assertExtracts("It is red.", COLORS, "A", Extraction.OPTION_TEXT);
        assertExtracts("YELLOW", COLORS, "D", Extraction.OPTION_TEXT);
        // substring, not word: "greenish" contains "green"
        assertExtracts("greenish", COLORS, "C", Extraction.OPTION_TEXT);
    }

    @Test
    void twoOptionTextsContainedIsNoAnswer() {
        assertExtracts("red and blue", COLORS, null, Extraction.UNANSWERED);
    }

    @Test
    void anOptionTextInsideAnotherMakesTheLongerOneUnreadable() {
        List<Choice> nested = List.of(new Choice("A", "red"), new Choice("B", "dark red"));
        assertExtracts("dark red", nested, null, Extraction.UNANSWERED);
        assertExtracts("red", nested, "A", Extraction.OPTION_TEXT);
    }

    @Test
    void anEmptyOptionTextIsContainedInEveryOutput() {
        List<Choice> withEmpty = List.of(new Choice("A", ""), new Choice("B", "blue"));
        assertExtracts("xyz", withEmpty, "A", Extraction.OPTION_TEXT);
        assertExtracts("blue", withEmpty, null, Extraction.UNANSWERED);
    }

    @Test
    void emptyOutputIsUnanswered() {
        assertExtracts("", COLORS, null, Extraction.UNANSWERED);
        assertExtracts(" \n\t ", COLORS, null, Extraction.UNANSWERED);
        assertExtracts("...", COLORS, null, Extraction.UNANSWERED);
    }

    @Test
    void refusalsAnswerZ() {
        assertExtracts("Cannot determine the answer", COLORS, "Z", Extraction.REFUSED);
        // the phrases are checked before any letter
        assertExtracts("B? Cannot determine the answer from this picture.", COLORS, "Z", Extraction.REFUSED);
        assertExtracts("I'm sorry, but without the image provided I cannot say.", COLORS, "Z", Extraction.REFUSED);
        assertExtracts("Sorry, I can't help with images of people yet.", COLORS, "Z", Extraction.REFUSED);
        assertExtracts("I can't process this file.", COLORS, "Z", Extraction.REFUSED);
        // the phrases are case-sensitive
        assertExtracts("cannot determine the answer", COLORS, null, Extraction.UNANSWERED);
    }

    @Test
    void aLoneZIsARefusalOnlyWhenNoOptionIsNamed() {
        assertExtracts("Z", COLORS, "Z", Extraction.REFUSED);
        assertExtracts("None of them (Z).", COLORS, "Z", Extraction.REFUSED);
        assertExtracts("A or Z", COLORS, "A", Extraction.LETTER);
        assertExtracts("A, B or Z", COLORS, null, Extraction.UNANSWERED);
        assertExtracts("z", COLORS, null, Extraction.UNANSWERED);
    }

    @Test
    void pythonWhiteSpaceSeparatesWords() {
        // Python's str.split() splits on no-break spaces; Java's \s does not
        assertExtracts("answer\u00A0C", COLORS, "C", Extraction.LETTER);
        assertExtracts("answer\u3000C", COLORS, "C", Extraction.LETTER);
        // a zero-width space is not white space in Python either
        assertExtracts("answer\u200BC", SHAPES, null, Extraction.UNANSWERED);
    }

    @Test
    void lettersMustBeUpperCaseAndDistinct() {
        assertThrows(IllegalArgumentException.class,
                () -> ChoiceExtraction.extract("a", List.of(new Choice("a", "x"), new Choice("b", "y"))));
        assertThrows(IllegalArgumentException.class,
                () -> ChoiceExtraction.extract("A", List.of(new Choice("A", "x"), new Choice("A", "y"))));
        assertThrows(IllegalArgumentException.class,
                () -> ChoiceExtraction.extract("AB", List.of(new Choice("AB", "x"))));
    }

    @Test
    void aLetterInRandomPunctuationIsRead() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 2000; trial++) {
            List<Choice> choices = randomChoices(random, "abcdefghijklmnopqrstuvwxyz");
            String letter = choices.get(random.nextInt(choices.size())).letter();
            String output = noise(random) + letter + noise(random);
            Extraction e = ChoiceExtraction.extract(output, choices);
            assertEquals(new Extraction(letter, Extraction.LETTER), e,
                    "seed " + seed + ", trial " + trial + ", output '" + output + "', choices " + choices);
        }
    }

    @Test
    void aLetterAmongLowerCaseWordsIsRead() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 2000; trial++) {
            List<Choice> choices = randomChoices(random, "abcdefghijklmnopqrstuvwxyz");
            String letter = choices.get(random.nextInt(choices.size())).letter();
            // option texts too: the letter rule decides before any text is looked at
            StringBuilder output = new StringBuilder();
            int before = random.nextInt(4);
            int after = random.nextInt(4);
            for (int i = 0; i < before; i++) {
                output.append(wordOrText(random, choices)).append(noise(random)).append(' ');
            }
            output.append(noise(random)).append(letter).append(noise(random));
            for (int i = 0; i < after; i++) {
                output.append(' ').append(noise(random)).append(wordOrText(random, choices));
            }
            Extraction e = ChoiceExtraction.extract(output.toString(), choices);
            assertEquals(new Extraction(letter, Extraction.LETTER), e,
                    "seed " + seed + ", trial " + trial + ", output '" + output + "', choices " + choices);
        }
    }

    @Test
    void aSingleOptionTextWithoutLettersIsRead() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 2000; trial++) {
            // letters absent from "the answer is", so no option text can hide in the frame; texts of one
            // length and distinct, so none contains another
            List<Choice> choices = randomChoices(random, "jkqxz");
            Choice right = choices.get(random.nextInt(choices.size()));
            String text = random.nextBoolean() ? right.text().toUpperCase(java.util.Locale.ROOT) : right.text();
            String output = "the answer is " + text + noise(random);
            Extraction e = ChoiceExtraction.extract(output, choices);
            assertEquals(new Extraction(right.letter(), Extraction.OPTION_TEXT), e,
                    "seed " + seed + ", trial " + trial + ", output '" + output + "', choices " + choices);
        }
    }

    /** 2 to 8 options A, B, ... with distinct lower-case texts of 5 letters from {@code alphabet}. */
    private static List<Choice> randomChoices(Random random, String alphabet) {
        int n = 2 + random.nextInt(7);
        Set<String> texts = new LinkedHashSet<>();
        while (texts.size() < n) {
            StringBuilder w = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                w.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(w.toString());
        }
        List<Choice> choices = new ArrayList<>();
        char letter = 'A';
        for (String t : texts) {
            choices.add(new Choice(String.valueOf(letter++), t));
        }
        return choices;
    }

    /** Up to 5 characters of VLMEvalKit's separators, spaces, tabs and newlines. */
    private static String noise(Random random) {
        String pool = SEPARATORS + " \t\n";
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            s.append(pool.charAt(random.nextInt(pool.length())));
        }
        return s.toString();
    }

    private static String wordOrText(Random random, List<Choice> choices) {
        if (random.nextBoolean()) {
            return choices.get(random.nextInt(choices.size())).text();
        }
        StringBuilder w = new StringBuilder();
        int len = 2 + random.nextInt(6);
        for (int i = 0; i < len; i++) {
            w.append((char) ('a' + random.nextInt(26)));
        }
        return w.toString();
    }
}
