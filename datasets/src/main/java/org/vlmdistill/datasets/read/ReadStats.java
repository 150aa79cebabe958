package org.vlmdistill.datasets.read;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What one pass over the data delivered and skipped. Every skip is counted by reason; the first
 * {@link ReaderOptions#maxSkipsKept()} are kept in full (provenance, reason, detail) for the end-of-epoch
 * report. One reader updates it from one thread; read it between records or at the end.
 */
public final class ReadStats {
    private final int maxKept;
    private final EnumMap<SkipReason, Long> byReason = new EnumMap<>(SkipReason.class);
    private final List<SkippedRecord> kept = new ArrayList<>();
    private long delivered;
    private long skipped;

    public ReadStats(int maxKept) {
        this.maxKept = maxKept;
    }

    void countDelivered() {
        delivered++;
    }

    /** Counts a skip; public so a later stage (image decoding) can report into the same stats. */
    public void skip(SkippedRecord record) {
        skipped++;
        byReason.merge(record.reason(), 1L, Long::sum);
        if (kept.size() < maxKept) {
            kept.add(record);
        }
    }

    public long delivered() {
        return delivered;
    }

    public long skipped() {
        return skipped;
    }

    public Map<SkipReason, Long> skippedByReason() {
        return Collections.unmodifiableMap(new EnumMap<>(byReason));
    }

    /** The skipped records in the order met; all of them unless {@link #skipped()} is larger. */
    public List<SkippedRecord> skippedRecords() {
        return List.copyOf(kept);
    }

    /** Multi-line summary: the counts, then one line per kept skip. */
    public String report() {
        StringBuilder b = new StringBuilder("delivered %,d, skipped %,d".formatted(delivered, skipped));
        if (!byReason.isEmpty()) {
            b.append(" (");
            String sep = "";
            for (var e : byReason.entrySet()) {
                b.append(sep).append(e.getKey().label()).append(' ').append("%,d".formatted(e.getValue()));
                sep = ", ";
            }
            b.append(')');
        }
        for (SkippedRecord s : kept) {
            b.append("\n  ").append(s);
        }
        if (skipped > kept.size()) {
            b.append("\n  ... and %,d more (only the first %,d are kept)".formatted(skipped - kept.size(), maxKept));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "delivered %,d, skipped %,d".formatted(delivered, skipped);
    }
}
