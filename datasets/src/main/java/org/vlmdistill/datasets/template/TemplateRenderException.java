package org.vlmdistill.datasets.template;

/**
 * A template that fails while rendering, where Python's Jinja2 fails too: an undefined value used in
 * arithmetic or called, a type error ({@code 'a' + 1}), a sandbox refusal ({@code list.append}).
 * {@link #reason()} is the message Jinja2 gives for the same failure.
 */
public class TemplateRenderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final int line;

    TemplateRenderException(String reason, int line) {
        super(line > 0 ? reason + " (template line " + line + ")" : reason);
        this.reason = reason;
        this.line = line;
    }

    /** The message as Jinja2 words it, without the template line. */
    public String reason() {
        return reason;
    }

    /** The template line of the statement that failed, from 1; 0 where unknown. */
    public int line() {
        return line;
    }
}
