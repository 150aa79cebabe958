package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VqaAnswersTest {
    private static final double EPS = 1e-12;

    /** Ten references: {@code red} copies of "red", the rest "blue". */
    private static List<String> redAndBlue(int red) {
        List<String> refs = new ArrayList<>(Collections.nCopies(red, "red"));
        refs.addAll(Collections.nCopies(10 - red, "blue"));
        return refs;
    }

    @Test
    void numberWordsBecomeDigits() {
        assertEquals("2", VqaAnswers.normalize("Two"));
        assertEquals("10", VqaAnswers.normalize("ten"));
        assertEquals("0", VqaAnswers.normalize("none"));
        // only whole words; "twenty" has no entry
        assertEquals("twenty 2", VqaAnswers.normalize("twenty-two"));
    }

    @Test
    void articlesAreDropped() {
        assertEquals("cat", VqaAnswers.normalize("the cat"));
        assertEquals("cat", VqaAnswers.normalize("A Cat"));
        assertEquals("apple", VqaAnswers.normalize("an apple"));
    }

    @Test
    void contractionsGetTheirApostrophe() {
        assertEquals("don't", VqaAnswers.normalize("dont"));
        assertEquals("don't", VqaAnswers.normalize("don't"));
        assertEquals("isn't", VqaAnswers.normalize("isnt"));
        assertEquals("what's", VqaAnswers.normalize("Whats"));
        assertEquals("o'clock", VqaAnswers.normalize("oclock"));
        assertEquals("'twas", VqaAnswers.normalize("twas"));
        // the official table's capitalised keys never match a lower-cased word
        assertEquals("im", VqaAnswers.normalize("Im"));
    }

    @Test
    void punctuationTouchingASpaceIsDeletedElseItBecomesASpace() {
        assertEquals("yes", VqaAnswers.normalize("yes."));
        assertEquals("yes", VqaAnswers.normalize("yes!"));
        assertEquals("red blue", VqaAnswers.normalize("red, blue"));
        assertEquals("red blue", VqaAnswers.normalize("red,blue"));
        assertEquals("ice cream", VqaAnswers.normalize("ice - cream"));
        assertEquals("what is it", VqaAnswers.normalize("what is (it)?"));
        assertEquals("quoted", VqaAnswers.normalize("\"quoted\""));
        // the article "a" split off by the comma is then dropped
        assertEquals("b c", VqaAnswers.normalize("a,b,c"));
        assertEquals("hello world", VqaAnswers.normalize("  Hello\tWorld\n "));
    }

    @Test
    void aDigitCommaDigitAnywhereDeletesEveryMark() {
        assertEquals("3000", VqaAnswers.normalize("3,000"));
        assertEquals("1000000", VqaAnswers.normalize("1,000,000"));
        assertEquals("$1000", VqaAnswers.normalize("$1,000"));
        // the test is on the whole text, so the comma and hyphen between words go too
        assertEquals("redblue 3000", VqaAnswers.normalize("red,blue 3,000"));
        assertEquals("redblue 35", VqaAnswers.normalize("red-blue 3,5"));
    }

    @Test
    void periodsGoUnlessADigitFollows() {
        assertEquals("3.5", VqaAnswers.normalize("3.5"));
        assertEquals(".5", VqaAnswers.normalize(".5"));
        assertEquals("3", VqaAnswers.normalize("3."));
        assertEquals("usa", VqaAnswers.normalize("U.S.A."));
        assertEquals("eg", VqaAnswers.normalize("e.g."));
        assertEquals("1.0005", VqaAnswers.normalize("1.000,5"));
    }

    @Test
    void atMostThirtyTwoPeriodsGo() {
        // vqaEval.py passes re.UNICODE (32) where re.sub takes its count
        assertEquals(".".repeat(8), VqaAnswers.normalize(".".repeat(40)));
        assertEquals("x" + ".".repeat(8) + "y", VqaAnswers.normalize("x" + ".".repeat(40) + "y"));
        assertEquals("xy", VqaAnswers.normalize("x" + ".".repeat(32) + "y"));
    }

    @Test
    void tenReferencesGiveTheLeaveOneOutMean() {
        // 2 "red", 8 "blue", prediction "red": leaving out a blue annotator leaves 2 matches (2/3), leaving
        // out a red one leaves 1 (1/3): (8 * 2/3 + 2 * 1/3) / 10 = (16/3 + 2/3) / 10 = 0.6
        assertEquals(0.6, VqaAnswers.accuracy("red", redAndBlue(2)), EPS);
        // 3 "red": blue left out -> 3 matches -> 1; red left out -> 2 -> 2/3: (7 * 1 + 3 * 2/3) / 10 = 0.9
        assertEquals(0.9, VqaAnswers.accuracy("red", redAndBlue(3)), EPS);
        // 4 "red": at least 3 others match whoever is left out
        assertEquals(1.0, VqaAnswers.accuracy("red", redAndBlue(4)), EPS);
        // 1 "red": blue left out -> 1/3, red left out -> 0: 9 * 1/3 / 10 = 0.3
        assertEquals(0.3, VqaAnswers.accuracy("red", redAndBlue(1)), EPS);
        assertEquals(1.0, VqaAnswers.accuracy("blue", redAndBlue(2)), EPS);
        assertEquals(0.0, VqaAnswers.accuracy("green", redAndBlue(2)), EPS);
    }

    @Test
    void predictionAndReferencesAreBothNormalized() {
        List<String> refs = new ArrayList<>(List.of("two", "2", "Two.", "the two", "2 ", "TWO", "2!", "2", "two", "2"));
        assertEquals(1.0, VqaAnswers.accuracy("2", refs), EPS);
        assertEquals(1.0, VqaAnswers.accuracy("Two.", refs), EPS);
        // 2 "don't", 8 "yes"
        List<String> mixed = new ArrayList<>(List.of("don't", "Dont"));
        mixed.addAll(Collections.nCopies(8, "yes"));
        assertEquals(0.6, VqaAnswers.accuracy("dont", mixed), EPS);
    }

    @Test
    void otherReferenceCountsAreExactMatch() {
        assertEquals(1.0, VqaAnswers.accuracy("The cat.", List.of("cat")), EPS);
        assertEquals(0.0, VqaAnswers.accuracy("dog", List.of("cat")), EPS);
        assertEquals(1.0, VqaAnswers.accuracy("three", List.of("4", "3", "5")), EPS);
        assertEquals(0.0, VqaAnswers.accuracy("three", List.of("4", "33", "5")), EPS);
        assertThrows(IllegalArgumentException.class, () -> VqaAnswers.accuracy("x", List.of()));
    }
}
