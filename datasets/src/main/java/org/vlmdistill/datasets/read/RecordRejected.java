package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Provenance;

/**
 * A record that will not be delivered. Thrown by the checks, caught by the reader that met the
 * record, which counts it and goes on; bad data is expected, so it carries no stack trace.
 */
final class RecordRejected extends Exception {
    private static final int MAX_DETAIL = 300; // a kept skip must not hold a whole bad line

    final SkipReason reason;

    RecordRejected(SkipReason reason, String detail) {
        super(clip(detail), null, false, false);
        this.reason = reason;
    }

    static String clip(String detail) {
        return detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL) + "...";
    }

    SkippedRecord at(Provenance provenance) {
        return new SkippedRecord(provenance, reason, getMessage());
    }
}
