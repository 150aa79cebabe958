package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;
import org.vlmdistill.eval.result.Metric;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CategoryAccuracyTest {
    @Test
    void meansPerCategoryInFirstSeenOrder() {
        // b: (1 + 0 + 0.5) / 3 = 0.5; a: (0 + 1/3) / 2 = 1/6
        Map<String, Metric> m = CategoryAccuracy.byCategory("accuracy",
                List.of("b", "a", "b", "a", "b"), List.of(1.0, 0.0, 0.0, 1.0 / 3, 0.5));
        assertEquals(List.of("b", "a"), List.copyOf(m.keySet()));
        assertEquals(new Metric("accuracy", 0.5, 3), m.get("b"));
        assertEquals("accuracy", m.get("a").name());
        assertEquals(1.0 / 6, m.get("a").value(), 1e-12);
        assertEquals(2, m.get("a").over());
        assertThrows(UnsupportedOperationException.class, () -> m.put("c", new Metric("accuracy", 1, 1)));
    }

    @Test
    void overallIsTheMeanOverAllItems() {
        assertEquals(new Metric("vqa_accuracy", 0.5, 4), CategoryAccuracy.overall("vqa_accuracy", List.of(1.0, 0.0, 0.6, 0.4)));
        Metric empty = CategoryAccuracy.overall("accuracy", List.of());
        assertTrue(Double.isNaN(empty.value()));
        assertEquals(0, empty.over());
    }

    @Test
    void categoriesAndScoresMustPair() {
        assertThrows(IllegalArgumentException.class,
                () -> CategoryAccuracy.byCategory("accuracy", List.of("a"), List.of(1.0, 0.0)));
        assertTrue(CategoryAccuracy.byCategory("accuracy", List.of(), List.of()).isEmpty());
    }
}
