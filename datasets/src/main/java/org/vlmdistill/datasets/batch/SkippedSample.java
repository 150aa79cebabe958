package org.vlmdistill.datasets.batch;

import org.vlmdistill.datasets.read.SkipReason;

import java.util.Objects;

/** A sample a batch was built without: which one ({@link SampleSource#idOf}), and why. */
public record SkippedSample(int index, String sampleId, SkipReason reason, String detail) {
    public SkippedSample {
        Objects.requireNonNull(sampleId, "sampleId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return "sample " + index + " (" + sampleId + "): " + reason.label() + ": " + detail;
    }
}
