package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchPlanTest {

    private static int[] counts(List<int[]> batches, int size) {
        int[] seen = new int[size];
        for (int[] b : batches) {
            for (int i : b) {
                seen[i]++;
            }
        }
        return seen;
    }

    @Test
    void stepsPerEpochFollowTheRemainderRule() {
        // 10 samples in batches of 3: three full batches and one of 1
        assertEquals(4, BatchPlan.of(BatchingConfig.of(3, 1), 10).stepsPerEpoch());
        assertEquals(3, BatchPlan.of(BatchingConfig.of(3, 1).withRemainder(Remainder.DROP), 10).stepsPerEpoch());
        assertEquals(2, BatchPlan.of(BatchingConfig.of(3, 1).withDataParallel(1, 2), 10).stepsPerEpoch());
        assertEquals(1, BatchPlan.of(BatchingConfig.of(3, 1).withDataParallel(1, 2)
                .withRemainder(Remainder.DROP), 10).stepsPerEpoch());
        assertEquals(1, BatchPlan.of(BatchingConfig.of(3, 1).withDataParallel(3, 4), 10).stepsPerEpoch());
        var e = assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(BatchingConfig.of(3, 1)
                .withDataParallel(3, 4).withRemainder(Remainder.DROP), 10));
        assertTrue(e.getMessage().contains("10 samples"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(BatchingConfig.of(3, 1), 0));
    }

    @Test
    void withoutShuffleBatchesFollowTheIndexOrder() {
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(3, 1).withShuffle(false), 7);
        List<int[]> batches = plan.epoch(5);
        assertEquals(3, batches.size());
        assertArrayEquals(new int[] {0, 1, 2}, batches.get(0));
        assertArrayEquals(new int[] {3, 4, 5}, batches.get(1));
        assertArrayEquals(new int[] {6}, batches.get(2));
    }

    @Test
    void everySampleAppearsOncePerEpochWithOrWithoutBucketing() {
        long seed = TestSeeds.fresh();
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 20; trial++) {
            int size = 1 + random.nextInt(500);
            int batchSize = 1 + random.nextInt(20);
            int window = 1 + random.nextInt(10);
            int[] lengths = random.ints(size, 0, 300).toArray();
            BatchPlan plan = BatchPlan.of(BatchingConfig.of(batchSize, seed).withBucketWindow(window), size,
                    i -> lengths[i]);
            String where = "seed=" + seed + " trial=" + trial + " " + plan;
            for (int epoch = 0; epoch < 3; epoch++) {
                List<int[]> batches = plan.epoch(epoch);
                assertEquals(plan.stepsPerEpoch(), batches.size(), where);
                int[] seen = counts(batches, size);
                for (int i = 0; i < size; i++) {
                    assertEquals(1, seen[i], "sample " + i + " in epoch " + epoch + ", " + where);
                }
                long partial = batches.stream().filter(b -> b.length < batchSize).count();
                assertTrue(partial <= 1, where);
            }
        }
    }

    @Test
    void theSameEpochComesOutOfAFreshPlanAndDiffersFromOtherEpochs() {
        long seed = TestSeeds.fresh();
        int[] lengths = new SplittableRandom(seed).ints(300, 1, 100).toArray();
        for (int window : new int[] {1, 8}) {
            BatchingConfig config = BatchingConfig.of(4, seed).withBucketWindow(window);
            List<int[]> e3 = BatchPlan.of(config, 300, i -> lengths[i]).epoch(3);
            List<int[]> again = BatchPlan.of(config, 300, i -> lengths[i]).epoch(3);
            List<int[]> e4 = BatchPlan.of(config, 300, i -> lengths[i]).epoch(4);
            assertEquals(e3.size(), again.size());
            for (int s = 0; s < e3.size(); s++) {
                assertArrayEquals(e3.get(s), again.get(s), "seed=" + seed + " window=" + window + " step " + s);
            }
            assertFalse(Arrays.deepEquals(e3.toArray(), e4.toArray()), "seed=" + seed + " window=" + window);
        }
    }

    @Test
    void bucketedBatchesHoldSimilarLengthsInShuffledOrder() {
        long seed = TestSeeds.fresh();
        int size = 2000;
        int[] lengths = new SplittableRandom(seed).ints(size, 1, 1000).toArray();
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(10, seed).withBucketWindow(20), size, i -> lengths[i]);
        List<int[]> batches = plan.epoch(0);
        List<Integer> longest = new ArrayList<>();
        for (int[] b : batches) {
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int i : b) {
                min = Math.min(min, lengths[i]);
                max = Math.max(max, lengths[i]);
            }
            // a window of 200 uniform lengths in [1, 1000) has neighbours ~5 apart; 10 of them span ~50
            assertTrue(max - min < 250, "batch spans lengths " + min + ".." + max + ", seed=" + seed);
            longest.add(max);
        }
        // unshuffled, each window's 20 batches come out in ascending length: 9 descents in 200 batches;
        // shuffled, about every second pair descends
        int descents = 0;
        for (int k = 1; k < longest.size(); k++) {
            descents += longest.get(k) < longest.get(k - 1) ? 1 : 0;
        }
        assertTrue(descents > longest.size() / 4, descents + " descents: batches not shuffled, seed=" + seed);
    }

    @Test
    void dropKeepsOnlyFullBatches() {
        long seed = TestSeeds.fresh();
        int[] lengths = new SplittableRandom(seed).ints(103, 1, 50).toArray();
        for (int window : new int[] {1, 4}) {
            BatchPlan plan = BatchPlan.of(BatchingConfig.of(10, seed).withBucketWindow(window)
                    .withRemainder(Remainder.DROP), 103, i -> lengths[i]);
            List<int[]> batches = plan.epoch(2);
            assertEquals(10, batches.size());
            assertTrue(batches.stream().allMatch(b -> b.length == 10), "seed=" + seed);
            assertTrue(Arrays.stream(counts(batches, 103)).allMatch(c -> c <= 1), "seed=" + seed);
        }
    }

    @Test
    void dataParallelRanksUnderDropAreDisjointEqualAndFull() {
        long seed = TestSeeds.fresh();
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 20; trial++) {
            int worldSize = 2 + random.nextInt(6);
            int batchSize = 1 + random.nextInt(8);
            int size = worldSize * batchSize + random.nextInt(400);
            int window = random.nextBoolean() ? 1 : 2 + random.nextInt(6);
            int[] lengths = random.ints(size, 1, 200).toArray();
            String where = "seed=" + seed + " trial=" + trial + " size=" + size + " batchSize=" + batchSize
                    + " worldSize=" + worldSize + " window=" + window;
            int epoch = random.nextInt(100);
            Set<Integer> union = new HashSet<>();
            int steps = -1;
            for (int rank = 0; rank < worldSize; rank++) {
                BatchPlan plan = BatchPlan.of(BatchingConfig.of(batchSize, seed).withBucketWindow(window)
                        .withDataParallel(rank, worldSize).withRemainder(Remainder.DROP), size, i -> lengths[i]);
                List<int[]> mine = plan.epoch(epoch);
                if (steps < 0) {
                    steps = mine.size();
                }
                assertEquals(steps, mine.size(), "rank " + rank + ", " + where);
                for (int[] b : mine) {
                    assertEquals(batchSize, b.length, where);
                    for (int i : b) {
                        assertTrue(union.add(i), "sample " + i + " on two ranks (rank " + rank + "), " + where);
                    }
                }
            }
            // what is dropped: the partial batch and fewer than worldSize full batches
            int full = size / batchSize;
            assertEquals(full / worldSize * worldSize * batchSize, union.size(), where);
            assertTrue(size - union.size() < worldSize * batchSize, where);
        }
    }

    @Test
    void dataParallelRanksUnderPadCoverEverySampleRepeatingOnlyTheFirstBatches() {
        long seed = TestSeeds.fresh();
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 20; trial++) {
            int worldSize = 2 + random.nextInt(6);
            int batchSize = 1 + random.nextInt(8);
            int size = 1 + random.nextInt(400);
            int window = random.nextBoolean() ? 1 : 2 + random.nextInt(6);
            int[] lengths = random.ints(size, 1, 200).toArray();
            String where = "seed=" + seed + " trial=" + trial + " size=" + size + " batchSize=" + batchSize
                    + " worldSize=" + worldSize + " window=" + window;
            int epoch = random.nextInt(100);
            Map<Integer, Integer> seen = new HashMap<>();
            int steps = -1;
            for (int rank = 0; rank < worldSize; rank++) {
                BatchPlan plan = BatchPlan.of(BatchingConfig.of(batchSize, seed).withBucketWindow(window)
                        .withDataParallel(rank, worldSize), size, i -> lengths[i]);
                List<int[]> mine = plan.epoch(epoch);
                if (steps < 0) {
                    steps = mine.size();
                }
                assertEquals(steps, mine.size(), "rank " + rank + ", " + where);
                for (int[] b : mine) {
                    for (int i : b) {
                        seen.merge(i, 1, Integer::sum);
                    }
                }
            }
            assertEquals(size, seen.size(), "every sample on some rank, " + where);
            int batches = (size + batchSize - 1) / batchSize;
            int repeatedBatches = steps * worldSize - batches;
            assertTrue(repeatedBatches >= 0 && repeatedBatches < worldSize, where);
            int extra = seen.values().stream().mapToInt(c -> c - 1).sum();
            assertTrue(extra <= repeatedBatches * batchSize, "extra " + extra + ", " + where);
            assertTrue(seen.values().stream().allMatch(c -> c <= 1 + (repeatedBatches + batches - 1) / batches),
                    where);
        }
    }
}
