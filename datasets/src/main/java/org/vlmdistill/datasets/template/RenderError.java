package org.vlmdistill.datasets.template;

/**
 * A failure inside an expression, before the statement's line is known; the interpreter turns it
 * into a {@link TemplateRenderException} naming the line. {@code reason} is worded as Jinja2 words it.
 */
final class RenderError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String reason;
    /** From {@code raise_exception(...)}: the template refused the input on purpose. */
    final boolean raised;

    RenderError(String reason) {
        this(reason, false);
    }

    RenderError(String reason, boolean raised) {
        super(reason, null, false, false);
        this.reason = reason;
        this.raised = raised;
    }
}
