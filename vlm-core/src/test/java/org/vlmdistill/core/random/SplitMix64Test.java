package org.vlmdistill.core.random;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The one SplitMix64 draws what the two it replaced drew (datasets' shapes and batch packages, until
 * issue 19): values pinned from those classes, and the batch package's nextInt rule (java.util.Random's)
 * against this one on fresh seeds and bounds.
 */
class SplitMix64Test {
    @Test
    void drawsWhatTheFormerClassesDrew() {
        assertEquals(0xe220a8397b1dcdafL, new SplitMix64(0).nextLong());
        int[] bounds = {1, 2, 3, 7, 100, 1 << 20, (1 << 30) + 1, Integer.MAX_VALUE};
        int[] expected = {0, 0, 0, 1, 1, 1, 1, 0, 2, 5, 1, 6, 64, 57, 58, 665954, 125865, 819201, 200634362, 156881774,
                159259129, 596071409, 1593388426, 1686847244};
        SplitMix64 r = new SplitMix64(42);
        int[] got = new int[expected.length];
        int i = 0;
        for (int bound : bounds) {
            for (int k = 0; k < 3; k++) {
                got[i++] = r.nextInt(bound);
            }
        }
        assertArrayEquals(expected, got);
        SplitMix64 z = new SplitMix64(-7);
        assertEquals(3, z.nextInt(3, 9));
        assertFalse(z.nextBoolean());
        assertEquals(-1715519743840680431L, z.nextLong());
        List<Integer> items = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        new SplitMix64(5).shuffle(items);
        assertEquals(List.of(7, 2, 6, 9, 3, 5, 1, 8, 0, 4), items);
    }

    @Test
    void nextIntRejectsAsJavaUtilRandomsRule() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int t = 0; t < 20_000; t++) {
            long s = random.nextLong();
            int bound = switch (t % 3) {
                case 0 -> 1 + random.nextInt(1000);
                case 1 -> 1 + random.nextInt(Integer.MAX_VALUE);
                default -> (1 << 30) + random.nextInt(1 << 30); // rejects about a third of the draws
            };
            SplitMix64 ours = new SplitMix64(s);
            SplitMix64 theirs = new SplitMix64(s);
            for (int k = 0; k < 4; k++) {
                assertEquals(overflowRule(theirs, bound), ours.nextInt(bound), "bound " + bound + ", seed " + seed);
            }
            assertEquals(theirs.nextLong(), ours.nextLong(), "draws consumed, bound " + bound + ", seed " + seed);
        }
    }

    /** The rule datasets' batch package used: java.util.Random's, rejection by int overflow. */
    private static int overflowRule(SplitMix64 random, int bound) {
        int r = (int) (random.nextLong() >>> 33);
        int m = bound - 1;
        if ((bound & m) == 0) {
            return r & m;
        }
        for (int u = r; u - (r = u % bound) + m < 0; u = (int) (random.nextLong() >>> 33)) {
            // rejected
        }
        return r;
    }
}
