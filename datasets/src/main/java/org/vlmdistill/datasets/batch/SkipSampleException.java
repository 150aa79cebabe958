package org.vlmdistill.datasets.batch;

import org.vlmdistill.datasets.read.SkipReason;

import java.util.Objects;

/**
 * Thrown by {@link SampleSource#get} for a sample the run should go on without: the loader counts it
 * under its reason, names it in the batch's {@link LoadedBatch#skipped()} list, and builds the batch
 * from the other samples. Any other exception stops the run.
 *
 * <p>It carries no stack trace: a skip is an expected outcome, may happen thousands of times an epoch,
 * and the reason and detail say all there is to say.
 */
public final class SkipSampleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final SkipReason reason;
    private final String detail;

    public SkipSampleException(SkipReason reason, String detail) {
        super(reason.label() + ": " + detail, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    public SkipReason reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }
}
