package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;
import org.vlmdistill.datasets.read.SkipReason;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchLoaderTest {

    /** Worker threads the test can see: each made thread is kept, to check it has ended. */
    private static final class RecordingThreads implements ThreadFactory {
        final List<Thread> made = new CopyOnWriteArrayList<>();
        private final String name;

        RecordingThreads(String name) {
            this.name = name;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, name + "-" + made.size());
            t.setDaemon(true);
            made.add(t);
            return t;
        }

        void assertAllEnded() throws InterruptedException {
            for (Thread t : made) {
                t.join(2000);
                assertFalse(t.isAlive(), t.getName() + " still alive: " + List.of(t.getStackTrace()));
            }
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                assertFalse(t.getName().startsWith(name + "-"), "live thread " + t.getName());
            }
        }
    }

    private static List<LoadedBatch<String>> all(SampleSource<TokenizedSample<String>> source, BatchPlan plan,
                                                 Prefetch prefetch, int epochs) {
        List<LoadedBatch<String>> out = new ArrayList<>();
        try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(0), prefetch, plan.start(), epochs)) {
            loader.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void prefetchDeliversWhatOneThreadDeliversWhateverTheTiming() throws InterruptedException {
        long seed = TestSeeds.fresh();
        SyntheticSource source = SyntheticSource.random(seed, 300, 50).skipping(i -> i % 13 == 0);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(7, seed).withBucketWindow(4), 300, source::length);
        List<LoadedBatch<String>> reference = all(source, plan, Prefetch.none(), 2);

        // random sleeps of up to 2 ms per sample make workers finish out of order
        SyntheticSource slow = source.withDelay(2000);
        for (Prefetch prefetch : new Prefetch[] {Prefetch.of(4, 6), Prefetch.of(8, 2), Prefetch.of(1, 1),
                Prefetch.of(3, 20)}) {
            RecordingThreads threads = new RecordingThreads("prefetch-order");
            assertEquals(reference, all(slow, plan, prefetch.withThreadFactory(threads), 2),
                    "seed=" + seed + " " + prefetch);
            threads.assertAllEnded();
        }
    }

    @Test
    void aWorkerExceptionReachesTheConsumerNamingTheSample() throws InterruptedException {
        SyntheticSource source = SyntheticSource.random(5, 100, 20).withDelay(500).failing(i -> i == 37);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(4, 5), 100);
        int failingStep = -1;
        List<int[]> epoch0 = plan.epoch(0);
        for (int s = 0; s < epoch0.size() && failingStep < 0; s++) {
            for (int i : epoch0.get(s)) {
                if (i == 37) {
                    failingStep = s;
                }
            }
        }
        for (Prefetch prefetch : new Prefetch[] {Prefetch.none(), Prefetch.of(4, 8)}) {
            RecordingThreads threads = new RecordingThreads("prefetch-failure");
            try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(0),
                    prefetch.withThreadFactory(threads), plan.start(), 1)) {
                for (int s = 0; s < failingStep; s++) {
                    assertEquals(s, loader.next().step(), "batches before the failure are delivered, " + prefetch);
                }
                SampleBuildException e = assertThrows(SampleBuildException.class, loader::next);
                assertEquals(37, e.index());
                assertEquals("s37", e.sampleId());
                assertEquals(0, e.epoch());
                assertEquals(failingStep, e.step());
                assertTrue(e.getMessage().contains("sample 37 (s37)"), e.getMessage());
                assertEquals("broken sample 37", e.getCause().getMessage());
                // the loader stays failed: the same exception, not a later batch
                assertSame(e, assertThrows(SampleBuildException.class, loader::next));
            }
            threads.assertAllEnded();
        }
    }

    @Test
    void closeLeavesNoLiveThreads() throws InterruptedException {
        SyntheticSource source = SyntheticSource.random(9, 500, 30).withDelay(1000);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(8, 9), 500);
        RecordingThreads threads = new RecordingThreads("prefetch-close");
        try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(0),
                Prefetch.of(4, 8).withThreadFactory(threads), plan.start(), 10)) {
            for (int k = 0; k < 5; k++) {
                loader.next();
            }
            assertEquals(4, threads.made.size());
            // closed mid-run with builds in flight
        }
        threads.assertAllEnded();
    }

    @Test
    void closeStopsWorkersBlockedInTheSource() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(3);
        SampleSource<TokenizedSample<String>> blocking = new SampleSource<>() {
            @Override
            public int size() {
                return 100;
            }

            @Override
            public TokenizedSample<String> get(int index) {
                entered.countDown();
                try {
                    Thread.sleep(Duration.ofMinutes(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                throw new AssertionError("not interrupted");
            }
        };
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(4, 1), 100);
        RecordingThreads threads = new RecordingThreads("prefetch-blocked");
        var loader = BatchLoader.open(blocking, plan, Collator.rightPadding(0),
                Prefetch.of(3, 3).withThreadFactory(threads), plan.start(), 1);
        AtomicReference<Throwable> consumerSaw = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                loader.next();
            } catch (Throwable t) {
                consumerSaw.set(t);
            }
        });
        assertTrue(entered.await(10, TimeUnit.SECONDS), "workers never started");
        long start = System.nanoTime();
        loader.close();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2000, "close took " + millis + " ms");
        threads.assertAllEnded();
        // closed from another thread: the waiting consumer is told, not left hanging
        consumer.join(5000);
        assertFalse(consumer.isAlive(), "consumer still waiting after close");
        assertTrue(consumerSaw.get() instanceof IllegalStateException, String.valueOf(consumerSaw.get()));
        assertTrue(consumerSaw.get().getMessage().contains("closed"), consumerSaw.get().getMessage());
        assertThrows(IllegalStateException.class, loader::next);
    }

    @Test
    void batchesAheadAreBoundedByTheCapacity() throws InterruptedException {
        SyntheticSource source = SyntheticSource.random(3, 1000, 10);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(5, 3), 1000);
        int capacity = 3;
        RecordingThreads threads = new RecordingThreads("prefetch-bounded");
        try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(0),
                Prefetch.of(4, capacity).withThreadFactory(threads), plan.start(), 1)) {
            loader.next();
            // one delivered and `capacity` ahead, then the workers wait for the consumer
            int bound = (1 + capacity) * 5;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (source.calls.get() < bound && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(bound, source.calls.get());
            Thread.sleep(200);
            assertEquals(bound, source.calls.get(), "built past the capacity");
            loader.next();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (source.calls.get() < bound + 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
            assertEquals(bound + 5, source.calls.get(), "one delivery frees one slot");
        }
        threads.assertAllEnded();
    }

    @Test
    void skippedSamplesAreCountedAndNamedAndTheRunGoesOn() {
        SyntheticSource source = SyntheticSource.random(11, 200, 30).skipping(i -> i % 10 == 3);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(6, 11), 200);
        for (Prefetch prefetch : new Prefetch[] {Prefetch.none(), Prefetch.of(3, 4)}) {
            List<LoadedBatch<String>> batches = all(source, plan, prefetch, 2);
            assertEquals(2 * plan.stepsPerEpoch(), batches.size());
            Set<String> delivered = new HashSet<>();
            Set<String> skipped = new HashSet<>();
            for (LoadedBatch<String> b : batches) {
                int[] planned = plan.epoch(b.epoch()).get(b.step());
                assertEquals(planned.length, b.batch().size() + b.skipped().size());
                for (SkippedSample s : b.skipped()) {
                    assertEquals(3, s.index() % 10);
                    assertEquals("s" + s.index(), s.sampleId());
                    assertEquals(SkipReason.CORRUPT_IMAGE, s.reason());
                    assertEquals("test skip " + s.index(), s.detail());
                    skipped.add(b.epoch() + ":" + s.sampleId());
                }
                for (String id : b.batch().sampleIds()) {
                    delivered.add(b.epoch() + ":" + id);
                }
            }
            assertEquals(2 * 20, skipped.size());
            assertEquals(2 * 180, delivered.size());
            assertTrue(delivered.stream().noneMatch(skipped::contains));

            try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(0), prefetch, plan.start(), 2)) {
                loader.forEachRemaining(b -> { });
                BatchStats stats = loader.stats();
                assertEquals(Map.of(SkipReason.CORRUPT_IMAGE, 40L), stats.skipsByReason());
                assertEquals(40, stats.skipped());
                assertEquals(40, stats.firstSkipped().size());
                assertEquals(360, stats.samples());
                assertEquals(2L * plan.stepsPerEpoch(), stats.batches());
            }
        }
    }

    @Test
    void aBatchWhoseSamplesAreAllSkippedIsDeliveredEmpty() {
        SyntheticSource source = SyntheticSource.random(2, 12, 10).skipping(i -> i < 4);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(4, 2).withShuffle(false), 12);
        List<LoadedBatch<String>> batches = all(source, plan, Prefetch.of(2, 2), 1);
        assertEquals(3, batches.size());
        assertEquals(0, batches.get(0).batch().size());
        assertEquals(4, batches.get(0).skipped().size());
        assertEquals(List.of("s4", "s5", "s6", "s7"), batches.get(1).batch().sampleIds());
    }

    @Test
    void bucketingPadsLessThanRandomBatchesAndStillSeesEverySampleOnce() {
        long seed = TestSeeds.fresh();
        int size = 4000;
        SyntheticSource source = SyntheticSource.random(seed, size, 1000);
        double[] efficiency = new double[2];
        int[] windows = {1, 32};
        for (int w = 0; w < 2; w++) {
            BatchPlan plan = BatchPlan.of(BatchingConfig.of(16, seed).withBucketWindow(windows[w]), size,
                    source::length);
            try (var loader = BatchLoader.open(source, plan, Collator.rightPadding(0), Prefetch.of(2, 4),
                    plan.start(), 1)) {
                Set<String> seen = new HashSet<>();
                loader.forEachRemaining(b -> b.batch().sampleIds().forEach(id ->
                        assertTrue(seen.add(id), id + " twice, seed=" + seed)));
                assertEquals(size, seen.size(), "seed=" + seed);
                efficiency[w] = loader.stats().paddingEfficiency();
                long real = 0;
                for (int i = 0; i < size; i++) {
                    real += source.length(i);
                }
                assertEquals(real, loader.stats().realTokens());
            }
        }
        // uniform lengths in batches of 16: random batches are ~53% real tokens, bucketed ones ~97%
        assertTrue(efficiency[0] < 0.7, "random batches " + efficiency[0] + ", seed=" + seed);
        assertTrue(efficiency[1] > 0.9, "bucketed " + efficiency[1] + " vs random " + efficiency[0]
                + ", seed=" + seed);
    }

    @Test
    void theLoaderEndsAfterItsEpochsAndRefusesUseAfterClose() {
        SyntheticSource source = SyntheticSource.random(1, 10, 5);
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(3, 1), 10);
        var loader = BatchLoader.open(source, plan, Collator.rightPadding(0), Prefetch.of(2, 2), plan.start(), 3);
        int n = 0;
        while (loader.hasNext()) {
            loader.next();
            n++;
        }
        assertEquals(12, n);
        assertThrows(NoSuchElementException.class, loader::next);
        loader.close();
        loader.close();
        assertThrows(IllegalStateException.class, loader::hasNext);

        // a cursor at the end delivers nothing
        try (var done = BatchLoader.open(source, plan, Collator.rightPadding(0), Prefetch.none(),
                plan.restore(new Cursor(1, 2, 4, plan.key())), 3)) {
            assertFalse(done.hasNext());
        }
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.open(SyntheticSource.random(1, 11, 5), plan,
                Collator.rightPadding(0), Prefetch.none(), plan.start(), 1));
    }
}
