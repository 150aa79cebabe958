package org.vlmdistill.core.model;

/** A model type no registered family builds; the message lists those that are supported. */
public final class UnsupportedModelException extends RuntimeException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
