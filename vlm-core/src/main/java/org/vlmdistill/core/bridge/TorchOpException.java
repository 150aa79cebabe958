package org.vlmdistill.core.bridge;

/** A libtorch op that failed or was called with arguments it cannot take; the message names the op. */
public final class TorchOpException extends RuntimeException {
    private final String op;

    public TorchOpException(String op, String message) {
        super(op + ": " + message);
        this.op = op;
    }

    /** The ATen schema name with its overload, e.g. {@code aten::view.dtype}. */
    public String op() {
        return op;
    }
}
