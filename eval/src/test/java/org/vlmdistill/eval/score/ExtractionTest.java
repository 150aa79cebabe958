package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExtractionTest {
    @Test
    void anAnswerIsNullExactlyWhenUnanswered() {
        Extraction none = Extraction.unanswered();
        assertNull(none.answer());
        assertEquals(Extraction.UNANSWERED, none.rule());
        assertFalse(none.answered());
        assertTrue(Extraction.of("B", Extraction.LETTER).answered());
        assertThrows(IllegalArgumentException.class, () -> new Extraction(null, Extraction.LETTER));
        assertThrows(IllegalArgumentException.class, () -> new Extraction("A", Extraction.UNANSWERED));
        assertThrows(NullPointerException.class, () -> Extraction.of(null, Extraction.LETTER));
        assertThrows(NullPointerException.class, () -> new Extraction("A", null));
    }
}
