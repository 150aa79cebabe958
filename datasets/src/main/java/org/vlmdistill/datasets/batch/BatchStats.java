package org.vlmdistill.datasets.batch;

import org.vlmdistill.datasets.read.SkipReason;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a loader has delivered since it was opened (a resumed run counts from its restore point).
 *
 * @param realTokens     tokens of samples
 * @param paddedTokens   cells of the padded batches, {@code sum(size * sequenceLength)}
 * @param skipsByReason  skipped samples per reason
 * @param firstSkipped   the first {@link #KEPT_SKIPS} skipped samples, to name in a report
 */
public record BatchStats(long batches, long samples, long realTokens, long paddedTokens,
                         Map<SkipReason, Long> skipsByReason, List<SkippedSample> firstSkipped) {

    /** Skipped samples kept by name; the counts go on past it, so memory stays bounded. */
    public static final int KEPT_SKIPS = 100;

    public BatchStats {
        Map<SkipReason, Long> counts = new EnumMap<>(SkipReason.class);
        counts.putAll(skipsByReason);
        skipsByReason = Collections.unmodifiableMap(counts);
        firstSkipped = List.copyOf(firstSkipped);
    }

    public static BatchStats none() {
        return new BatchStats(0, 0, 0, 0, Map.of(), List.of());
    }

    /** Real tokens over padded tokens: 1 means no padding; 1 also when nothing was delivered. */
    public double paddingEfficiency() {
        return paddedTokens == 0 ? 1.0 : (double) realTokens / paddedTokens;
    }

    public long skipped() {
        return skipsByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** These stats with one more delivered batch. */
    public BatchStats plus(LoadedBatch<?> delivered) {
        Map<SkipReason, Long> skips = new EnumMap<>(SkipReason.class);
        skips.putAll(skipsByReason);
        List<SkippedSample> named = new ArrayList<>(firstSkipped);
        for (SkippedSample s : delivered.skipped()) {
            skips.merge(s.reason(), 1L, Long::sum);
            if (named.size() < KEPT_SKIPS) {
                named.add(s);
            }
        }
        Batch<?> b = delivered.batch();
        return new BatchStats(batches + 1, samples + b.size(), realTokens + b.realTokens(),
                paddedTokens + b.paddedTokens(), skips, named);
    }

    @Override
    public String toString() {
        return String.format("%d batches, %d samples, padding efficiency %.3f, %d skipped %s", batches, samples,
                paddingEfficiency(), skipped(), skipsByReason);
    }
}
