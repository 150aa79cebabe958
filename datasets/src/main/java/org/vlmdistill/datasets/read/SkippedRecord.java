package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Provenance;

import java.util.Objects;

/** A record that was not delivered, why, and where it is. */
public record SkippedRecord(Provenance provenance, SkipReason reason, String detail) {
    public SkippedRecord {
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return provenance + ": " + reason.label() + ": " + detail;
    }
}
