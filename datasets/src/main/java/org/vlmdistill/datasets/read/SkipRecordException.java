package org.vlmdistill.datasets.read;

/** A record that cannot be used, and why; the run counts it and goes on. */
public final class SkipRecordException extends Exception {
    private final SkipReason reason;
    private final String detail;

    public SkipRecordException(SkipReason reason, String detail) {
        super(reason.label() + ": " + detail);
        this.reason = reason;
        this.detail = detail;
    }

    public SkipReason reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }
}
