package org.vlmdistill.core.multimodal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FixedImageTokensTest {

    @Test
    void everyImageIsTheSameRunOfImageTokens() {
        FixedImageTokens llava = new FixedImageTokens("<image>", 576);
        assertEquals(576 * 7, llava.expand(10, 10).length());
        assertEquals(576, llava.imageTokenCount(4000, 3000));
        assertEquals("<image>", llava.placeholder());
        assertThrows(IllegalArgumentException.class, () -> new FixedImageTokens("<image>", 0));
    }
}
