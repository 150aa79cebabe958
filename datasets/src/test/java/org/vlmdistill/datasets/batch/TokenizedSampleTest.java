package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizedSampleTest {

    @Test
    void labelsMustMatchTheIds() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TokenizedSample<String>("s1", new int[3], new int[2], List.of(), "f line 1"));
        assertTrue(e.getMessage().contains("s1"), e.getMessage());
    }

    @Test
    void imagesMustLieInsideTheSequenceInOrderWithoutOverlap() {
        assertThrows(IllegalArgumentException.class, () -> new TokenizedSample<>("s", new int[4], new int[4],
                List.of(new ImageSpan<>(2, 3, "i")), "p"));
        assertThrows(IllegalArgumentException.class, () -> new TokenizedSample<>("s", new int[8], new int[8],
                List.of(new ImageSpan<>(2, 3, "i"), new ImageSpan<>(4, 1, "j")), "p"));
        assertThrows(IllegalArgumentException.class, () -> new ImageSpan<>(0, 0, "i"));
        assertThrows(IllegalArgumentException.class, () -> new ImageSpan<>(-1, 1, "i"));
        // touching spans are fine
        new TokenizedSample<>("s", new int[8], new int[8],
                List.of(new ImageSpan<>(2, 3, "i"), new ImageSpan<>(5, 3, "j")), "p");
    }

    @Test
    void aSampleCannotChangeAfterItIsMade() {
        int[] ids = {1, 2, 3};
        int[] labels = {-100, 2, 3};
        List<ImageSpan<String>> images = new ArrayList<>(List.of(new ImageSpan<>(0, 1, "i")));
        TokenizedSample<String> s = new TokenizedSample<>("s", ids, labels, images, "p");
        TokenizedSample<String> same = new TokenizedSample<>("s", ids.clone(), labels.clone(), List.copyOf(images), "p");

        ids[0] = 9;
        labels[0] = 9;
        images.clear();
        s.inputIds()[1] = 9;
        s.labels()[1] = 9;

        assertEquals(same, s);
        assertEquals(same.hashCode(), s.hashCode());
        assertEquals(1, s.images().size());
        assertNotEquals(new TokenizedSample<>("s", new int[] {1, 2, 4}, labels.clone(), List.of(), "p"), s);
    }
}
