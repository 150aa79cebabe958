package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.random.SplitMix64;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochOrderTest {

    @Test
    void splitMix64MatchesTheReferenceOutputs() {
        // Vigna's splitmix64.c: seed 0, and seed 1234567
        assertEquals(0xe220a8397b1dcdafL, new SplitMix64(0).nextLong());
        SplitMix64 r = new SplitMix64(1234567);
        for (String expected : new String[] {"6457827717110365317", "3203168211198807973", "9817491932198370423",
                "4593380528125082431", "16408922859458223821"}) {
            assertEquals(Long.parseUnsignedLong(expected), r.nextLong());
        }
    }

    @Test
    void theOrderIsFixedForGood() {
        // a change here silently breaks resuming every saved run: these must never change
        assertArrayEquals(new int[] {7, 4, 2, 9, 6, 1, 3, 8, 0, 5}, EpochOrder.permutation(42, 0, 10));
        assertArrayEquals(new int[] {9, 0, 6, 3, 5, 2, 7, 8, 1, 4}, EpochOrder.permutation(42, 1, 10));
        assertArrayEquals(new int[] {9, 2, 10, 11, 0, 3, 8, 4, 1, 6, 5, 7}, EpochOrder.permutation(-7, 3, 12));
    }

    @Test
    void theOrderDependsOnSeedAndEpochOnly() {
        long seed = TestSeeds.fresh();
        for (int epoch = 0; epoch < 5; epoch++) {
            int[] order = EpochOrder.permutation(seed, epoch, 1000);
            assertArrayEquals(order, EpochOrder.permutation(seed, epoch, 1000), "seed=" + seed);
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "not a permutation, seed=" + seed);
            }
            assertFalse(Arrays.equals(order, EpochOrder.permutation(seed, epoch + 1, 1000)), "seed=" + seed);
            assertFalse(Arrays.equals(order, EpochOrder.permutation(seed + 1, epoch, 1000)), "seed=" + seed);
        }
        assertEquals(0, EpochOrder.permutation(seed, 0, 0).length);
        assertArrayEquals(new int[] {0}, EpochOrder.permutation(seed, 0, 1));
    }

    @Test
    void everyOrderOfThreeIsEquallyLikely() {
        // 60,000 epochs of 3 samples: each of the 6 orders ~10,000 times; a biased draw in
        // nextInt or an off-by-one in Fisher-Yates shows up as a count far outside 3 sigma (~300)
        Map<String, Integer> counts = new HashMap<>();
        for (int epoch = 0; epoch < 60_000; epoch++) {
            counts.merge(Arrays.toString(EpochOrder.permutation(2024, epoch, 3)), 1, Integer::sum);
        }
        assertEquals(6, counts.size(), counts.toString());
        for (int c : counts.values()) {
            assertTrue(Math.abs(c - 10_000) < 400, counts.toString());
        }
    }

    @Test
    void nextIntStaysInItsBound() {
        SplitMix64 r = new SplitMix64(TestSeeds.fresh());
        for (int bound : new int[] {1, 2, 3, 7, 1 << 20, Integer.MAX_VALUE}) {
            for (int k = 0; k < 1000; k++) {
                int x = r.nextInt(bound);
                assertTrue(x >= 0 && x < bound, x + " for bound " + bound);
            }
        }
    }
}
