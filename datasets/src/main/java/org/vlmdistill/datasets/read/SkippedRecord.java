package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Provenance;

import java.util.Objects;

/**
 * A record that was not delivered, why, and where it is.
 *
 * @param id the record's id; empty where the reader could not tell it (a line that is not JSON)
 */
public record SkippedRecord(Provenance provenance, String id, SkipReason reason, String detail) {
    public SkippedRecord {
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    /** A record skipped before its id was known. */
    public SkippedRecord(Provenance provenance, SkipReason reason, String detail) {
        this(provenance, "", reason, detail);
    }

    @Override
    public String toString() {
        return provenance + (id.isEmpty() ? "" : " (id " + id + ")") + ": " + reason.label() + ": " + detail;
    }
}
