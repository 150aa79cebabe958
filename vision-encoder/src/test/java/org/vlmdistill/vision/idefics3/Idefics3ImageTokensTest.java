package org.vlmdistill.vision.idefics3;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Idefics3ImageTokensTest {
    // SmolVLM-256M-Instruct: 512 tiles, longest edge 2048, 64 tokens per tile
    private final Idefics3ImageTokens smolvlm = new Idefics3ImageTokens(64, 2048, 512, true);

    @Test
    void idefics3GridFollowsTheProcessorsResizeRules() {
        // 1024x768 -> longest edge 2048x1536 -> tiles 2048x1536 -> 3 rows x 4 cols
        assertArrayEquals(new int[] {3, 4}, smolvlm.grid(1024, 768));
        // small square images are scaled up to 2048 too: 4x4 tiles
        assertArrayEquals(new int[] {4, 4}, smolvlm.grid(64, 64));
        // portrait: 300x900 -> 684x2048 (int(2048/3)=682, +0 even -> 682; ceil to 1024 wide) -> 4 rows x 2 cols
        assertArrayEquals(new int[] {4, 2}, smolvlm.grid(300, 900));
        // one tile when the longest edge equals the tile
        assertArrayEquals(new int[] {0, 0}, new Idefics3ImageTokens(64, 512, 512, true).grid(512, 384));
        assertArrayEquals(new int[] {0, 0}, new Idefics3ImageTokens(64, 2048, 512, false).grid(1024, 768));
    }

    @Test
    void idefics3TextIsTilesRowByRowThenTheGlobalImage() {
        Idefics3ImageTokens t = new Idefics3ImageTokens(2, 1024, 512, true);
        String expected = "<fake_token_around_image><row_1_col_1><image><image>"
                + "<fake_token_around_image><row_1_col_2><image><image>\n"
                + "\n<fake_token_around_image><global-img><image><image><fake_token_around_image>";
        assertEquals(expected, t.expand(1000, 500)); // 1024x512 -> 1 row x 2 cols
        assertEquals(6, t.imageTokenCount(1000, 500));
        assertEquals("<fake_token_around_image><global-img><image><image><fake_token_around_image>",
                new Idefics3ImageTokens(2, 512, 512, true).expand(100, 80));
    }

    @Test
    void tokenCountMatchesTheExpansionForRandomSizes() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            int w = 1 + random.nextInt(3000);
            int h = 1 + random.nextInt(3000);
            String text = smolvlm.expand(w, h);
            int count = (text.length() - text.replace("<image>", "").length()) / "<image>".length();
            assertEquals(smolvlm.imageTokenCount(w, h), count, "seed " + seed + " size " + w + "x" + h);
            int[] g = smolvlm.grid(w, h);
            assertTrue(g[0] <= 4 && g[1] <= 4, "at most 2048/512 tiles per side, seed " + seed);
        }
    }
}
