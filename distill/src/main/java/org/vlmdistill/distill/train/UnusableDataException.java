package org.vlmdistill.distill.train;

import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.datasets.read.ReadStats;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.read.SkippedRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run whose data has no usable sample, or more skipped records than {@code max_skipped_share} allows:
 * stopped before its first step, nothing trained and no checkpoint written. The data is the caller's to
 * fix (or the limit to raise), so {@code vlmd} exits 2. The message gives the counts by reason and the
 * first few skipped records with their place; {@link #skipped()} holds every one that was kept, for the
 * run directory's {@code skipped.jsonl}.
 */
public final class UnusableDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Skipped records the message names; the rest are in skipped.jsonl. */
    static final int NAMED_IN_MESSAGE = 5;

    private final transient List<SkippedRecord> skipped;
    private final long count;

    private UnusableDataException(String message, List<SkippedRecord> skipped, long count) {
        super(message);
        this.skipped = List.copyOf(skipped);
        this.count = count;
    }

    /**
     * @param usable samples left; the records met are {@code usable + stats.skipped()}
     * @param stats  what reading and the check before the first step skipped
     * @param limit  {@code max_skipped_share}
     * @return the exception to throw, or null when the data may be trained on
     */
    public static UnusableDataException check(List<String> data, long usable, ReadStats stats, double limit) {
        long skipped = stats.skipped();
        long records = usable + skipped;
        double share = records == 0 ? 1 : (double) skipped / records;
        String why;
        if (usable == 0) {
            why = records == 0 ? "no record in " + data : "no usable sample in " + data + ": all " + records
                    + " records are skipped";
        } else if (share > limit) {
            why = String.format(Locale.ROOT, "%d of %d records in %s are skipped (%.1f%%), more than max_skipped_share"
                    + " %s allows", skipped, records, data, 100 * share, limit);
        } else {
            return null;
        }
        return new UnusableDataException("data: " + why + describe(stats) + "\nfix the data (vlmd data check lists"
                + " every bad record) or raise max_skipped_share", stats.skippedRecords(), skipped);
    }

    /** The counts by reason and the first {@link #NAMED_IN_MESSAGE} skipped records, escaped for a terminal. */
    static String describe(ReadStats stats) {
        if (stats.skipped() == 0) {
            return "";
        }
        StringBuilder b = new StringBuilder(" (");
        String sep = "";
        for (Map.Entry<SkipReason, Long> e : stats.skippedByReason().entrySet()) {
            b.append(sep).append(e.getKey().label()).append(' ').append(e.getValue());
            sep = ", ";
        }
        b.append(')');
        List<SkippedRecord> named = stats.skippedRecords();
        for (SkippedRecord s : named.subList(0, Math.min(NAMED_IN_MESSAGE, named.size()))) {
            b.append("\n  ").append(TerminalText.escape(s.toString()));
        }
        if (stats.skipped() > NAMED_IN_MESSAGE) {
            b.append("\n  ... and ").append(stats.skipped() - NAMED_IN_MESSAGE).append(" more");
        }
        return b.toString();
    }

    /**
     * Writes every skipped record to {@code file} ({@link SkippedLog}, all found before the start, step 0)
     * and returns this exception saying so: a stopped run or cache job still names what it left out.
     */
    public UnusableDataException recordedIn(Path file) throws IOException {
        SkippedLog.write(file, skipped.stream().map(r -> new SkippedLog.Entry(r, 0)).toList(), count);
        return namedIn(file);
    }

    /** The same, saying where every skipped record is named. */
    UnusableDataException namedIn(Path file) {
        UnusableDataException e = new UnusableDataException(getMessage() + "\nevery skipped record is named in " + file,
                skipped, count);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The skipped records kept in full (all, unless there were more than the reader keeps). */
    public List<SkippedRecord> skipped() {
        return skipped;
    }

    /** Every skipped record, counted. */
    public long count() {
        return count;
    }
}
