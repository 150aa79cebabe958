package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;
import org.vlmdistill.datasets.read.SkipReason;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchStatsTest {

    private static LoadedBatch<String> delivered(List<TokenizedSample<String>> rows, List<SkippedSample> skipped) {
        Cursor resume = new Cursor(0, 0, 1, "p");
        return new LoadedBatch<>(0, 0, Collator.rightPadding(0).collate(rows), skipped, resume);
    }

    private static TokenizedSample<String> sample(int length) {
        return new TokenizedSample<>("s" + length, new int[length], new int[length], List.of(), "p");
    }

    @Test
    void paddingEfficiencyIsRealOverPaddedTokens() {
        BatchStats stats = BatchStats.none()
                .plus(delivered(List.of(sample(2), sample(4)), List.of()))   // 6 of 8
                .plus(delivered(List.of(sample(3)), List.of()));            // 3 of 3
        assertEquals(2, stats.batches());
        assertEquals(3, stats.samples());
        assertEquals(9, stats.realTokens());
        assertEquals(11, stats.paddedTokens());
        assertEquals(9.0 / 11, stats.paddingEfficiency(), 1e-12);
        assertEquals(1.0, BatchStats.none().paddingEfficiency());
    }

    @Test
    void skipsAreCountedPerReasonAndTheFirstOnesKeptByName() {
        List<SkippedSample> skipped = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            skipped.add(new SkippedSample(i, "s" + i, i % 3 == 0 ? SkipReason.TOO_LONG : SkipReason.MISSING_IMAGE,
                    "why " + i));
        }
        BatchStats stats = BatchStats.none().plus(delivered(List.of(), skipped.subList(0, 60)))
                .plus(delivered(List.of(sample(1)), skipped.subList(60, 150)));
        assertEquals(Map.of(SkipReason.TOO_LONG, 50L, SkipReason.MISSING_IMAGE, 100L), stats.skipsByReason());
        assertEquals(150, stats.skipped());
        assertEquals(BatchStats.KEPT_SKIPS, stats.firstSkipped().size());
        assertEquals(skipped.subList(0, BatchStats.KEPT_SKIPS), stats.firstSkipped());
        assertThrows(UnsupportedOperationException.class, () -> stats.skipsByReason().put(SkipReason.TOO_LONG, 0L));
    }

    @Test
    void configsRefuseImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> BatchingConfig.of(0, 1));
        assertThrows(IllegalArgumentException.class, () -> BatchingConfig.of(2, 1).withBucketWindow(0));
        assertThrows(IllegalArgumentException.class, () -> BatchingConfig.of(2, 1).withDataParallel(2, 2));
        assertThrows(IllegalArgumentException.class, () -> BatchingConfig.of(2, 1).withDataParallel(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> Prefetch.of(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> Prefetch.of(2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Collator(0, PaddingSide.RIGHT, 0));
        assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(BatchingConfig.of(2, 1).withBucketWindow(2),
                3, i -> i - 1));
        assertThrows(NullPointerException.class, () -> BatchPlan.of(BatchingConfig.of(2, 1).withBucketWindow(2), 3));
    }

    @Test
    void aSkipCarriesItsReasonAndNoStackTrace() {
        SkipSampleException e = new SkipSampleException(SkipReason.CORRUPT_IMAGE, "truncated JPEG");
        assertEquals(SkipReason.CORRUPT_IMAGE, e.reason());
        assertEquals("truncated JPEG", e.detail());
        assertEquals("corrupt or truncated image: truncated JPEG", e.getMessage());
        assertEquals(0, e.getStackTrace().length);
    }
}
