package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MmeScoreTest {
    private static final double EPS = 1e-9;

    private static MmeScore.Item item(String category, String image, boolean correct) {
        return new MmeScore.Item(category, image, correct);
    }

    @Test
    void aHandComputedTable() {
        // code_reasoning (seen first):    c1: right right   c2: right right   c3: wrong right
        //   accuracy  = 5/6 * 100 = 83.333...; accuracy+ = 2/3 * 100 = 66.666...; score = 150
        // existence:                      e1: right right   e2: right wrong   e3: wrong wrong
        //   accuracy  = 3/6 * 100 = 50;        accuracy+ = 1/3 * 100 = 33.333...; score = 83.333...
        // perception = existence = 83.333...; reasoning = code_reasoning = 150; total = 233.333...
        // The items are interleaved: pairs are found by image, not by position.
        List<MmeScore.Item> items = List.of(
                item("code_reasoning", "c1", true),
                item("existence", "e1", true),
                item("code_reasoning", "c2", true),
                item("existence", "e2", true),
                item("code_reasoning", "c3", false),
                item("existence", "e3", false),
                item("existence", "e1", true),
                item("code_reasoning", "c1", true),
                item("existence", "e2", false),
                item("code_reasoning", "c2", true),
                item("existence", "e3", false),
                item("code_reasoning", "c3", true));
        MmeScore s = MmeScore.of(items);

        assertEquals(List.of("code_reasoning", "existence"), List.copyOf(s.score().keySet()));
        assertEquals(List.of("code_reasoning", "existence"), List.copyOf(s.accuracy().keySet()));
        assertEquals(List.of("code_reasoning", "existence"), List.copyOf(s.accuracyPlus().keySet()));
        assertEquals(500.0 / 6, s.accuracy().get("code_reasoning"), EPS);
        assertEquals(200.0 / 3, s.accuracyPlus().get("code_reasoning"), EPS);
        assertEquals(150.0, s.score().get("code_reasoning"), EPS);
        assertEquals(50.0, s.accuracy().get("existence"), EPS);
        assertEquals(100.0 / 3, s.accuracyPlus().get("existence"), EPS);
        assertEquals(250.0 / 3, s.score().get("existence"), EPS);
        assertEquals(250.0 / 3, s.perception(), EPS);
        assertEquals(150.0, s.reasoning(), EPS);
        assertEquals(700.0 / 3, s.total(), EPS);
    }

    @Test
    void theSameImageKeyInTwoCategoriesIsTwoImages() {
        // "img": color right right (accuracy+ 100), count right wrong (accuracy+ 0)
        MmeScore s = MmeScore.of(List.of(
                item("color", "img", true), item("count", "img", true),
                item("color", "img", true), item("count", "img", false)));
        assertEquals(200.0, s.score().get("color"), EPS);
        assertEquals(50.0, s.score().get("count"), EPS);
        assertEquals(250.0, s.perception(), EPS);
        assertEquals(0.0, s.reasoning(), EPS);
    }

    @Test
    void anImageWithOtherThanTwoQuestionsNeedsThemAllRight() {
        // p1: three right; p2: right right wrong; p3: one right
        // accuracy = 6/7 * 100; accuracy+ = 2/3 * 100
        MmeScore s = MmeScore.of(List.of(
                item("posters", "p1", true), item("posters", "p1", true), item("posters", "p1", true),
                item("posters", "p2", true), item("posters", "p2", true), item("posters", "p2", false),
                item("posters", "p3", true)));
        assertEquals(600.0 / 7, s.accuracy().get("posters"), EPS);
        assertEquals(200.0 / 3, s.accuracyPlus().get("posters"), EPS);
    }

    @Test
    void categoriesOutsideMmesCountOnlyInTheTotal() {
        // shapes: 1 of 2 right on one image -> 50 + 0; OCR: both right -> 100 + 100
        MmeScore s = MmeScore.of(List.of(
                item("shapes", "s", true), item("shapes", "s", false),
                item("OCR", "o", true), item("OCR", "o", true)));
        assertEquals(200.0, s.perception(), EPS);
        assertEquals(0.0, s.reasoning(), EPS);
        assertEquals(250.0, s.total(), EPS);
    }

    @Test
    void theMapsAreUnmodifiable() {
        MmeScore s = MmeScore.of(List.of(item("OCR", "o", true)));
        assertThrows(UnsupportedOperationException.class, () -> s.score().put("x", 1.0));
        assertThrows(UnsupportedOperationException.class, () -> s.accuracy().clear());
        assertThrows(UnsupportedOperationException.class, () -> s.accuracyPlus().remove("OCR"));
    }

    @Test
    void noItemsNoCategories() {
        MmeScore s = MmeScore.of(List.of());
        assertEquals(0, s.score().size());
        assertEquals(0.0, s.total());
    }
}
