package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A run stopped after any batch and restored from that batch's cursor (through JSON, into a new plan
 * and loader, as a restarted process would) delivers exactly the rest of the uninterrupted run.
 */
class ResumeTest {

    private record Setup(SyntheticSource source, BatchingConfig config, Collator collator, int epochs) {
        BatchPlan plan() {
            return BatchPlan.of(config, source.size(), source::length);
        }

        List<LoadedBatch<String>> run(Cursor from, Prefetch prefetch) {
            List<LoadedBatch<String>> out = new ArrayList<>();
            try (BatchLoader<String> loader = BatchLoader.open(source, plan(), collator, prefetch, from, epochs)) {
                loader.forEachRemaining(out::add);
            }
            return out;
        }
    }

    private static Prefetch randomPrefetch(SplittableRandom random) {
        return random.nextBoolean() ? Prefetch.none() : Prefetch.of(1 + random.nextInt(4), 1 + random.nextInt(6));
    }

    /** A random data set and config; {@code bucketed} and {@code worldSize} as given. */
    private static Setup setup(SplittableRandom random, boolean bucketed, int worldSize) {
        int batchSize = 1 + random.nextInt(8);
        int size = worldSize * batchSize + random.nextInt(150);
        int skipEvery = 5 + random.nextInt(20);
        SyntheticSource source = SyntheticSource.random(random.nextLong(), size, 1 + random.nextInt(40))
                .skipping(i -> i % skipEvery == 3);
        BatchingConfig config = new BatchingConfig(batchSize, random.nextLong(), true,
                bucketed ? 2 + random.nextInt(8) : 1, random.nextInt(worldSize), worldSize,
                random.nextBoolean() ? Remainder.DROP : Remainder.PAD);
        Collator collator = Collator.rightPadding(-1).withPadToMultipleOf(1 + random.nextInt(8));
        return new Setup(source, config, collator, 2 + random.nextInt(3));
    }

    private static void checkResumes(long seed, boolean bucketed, int worldSize) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 15; trial++) {
            Setup s = setup(random, bucketed, worldSize);
            String where = "seed=" + seed + " trial=" + trial + " " + s.plan() + " epochs=" + s.epochs();
            List<LoadedBatch<String>> whole = s.run(s.plan().start(), randomPrefetch(random));
            int steps = s.plan().stepsPerEpoch();
            assertEquals(steps * s.epochs(), whole.size(), where);

            // a random save point, the last batch of the first epoch, and the first of the second
            int[] savePoints = {random.nextInt(whole.size()), steps - 1, steps};
            for (int k : savePoints) {
                Cursor saved = Cursor.fromJson(whole.get(k).resume().toJson());
                List<LoadedBatch<String>> rest = s.run(saved, randomPrefetch(random));
                assertEquals(whole.subList(k + 1, whole.size()), rest, "resumed after batch " + k + ", " + where);
            }
        }
    }

    @Test
    void resumeContinuesExactlyWithoutBucketing() {
        checkResumes(TestSeeds.fresh(), false, 1);
    }

    @Test
    void resumeContinuesExactlyWithBucketing() {
        checkResumes(TestSeeds.fresh(), true, 1);
    }

    @Test
    void resumeContinuesExactlyOnEveryDataParallelRank() {
        long seed = TestSeeds.fresh();
        checkResumes(seed, false, 3);
        checkResumes(seed, true, 4);
    }

    @Test
    void theLoadersCursorIsTheLastBatchsResumePoint() {
        long seed = TestSeeds.fresh();
        Setup s = setup(new SplittableRandom(seed), true, 2);
        BatchPlan plan = s.plan();
        try (BatchLoader<String> loader = BatchLoader.open(s.source(), plan, s.collator(), Prefetch.of(2, 3),
                plan.start(), s.epochs())) {
            assertEquals(plan.start(), loader.cursor());
            for (int k = 0; k < plan.stepsPerEpoch() + 1; k++) {
                LoadedBatch<String> b = loader.next();
                assertEquals(b.resume(), loader.cursor(), "seed=" + seed);
            }
            assertEquals(plan.after(1, 0), loader.cursor(), "seed=" + seed);
        }
    }
}
