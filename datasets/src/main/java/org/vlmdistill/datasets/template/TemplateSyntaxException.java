package org.vlmdistill.datasets.template;

/**
 * A chat template that does not parse, or names a filter or test the renderer does not have (Jinja
 * reports both when the template is compiled, before any rendering). The message names the line and
 * column, counted from 1.
 */
public final class TemplateSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final int line;
    private final int column;

    TemplateSyntaxException(String reason, int line, int column) {
        super("line " + line + ", column " + column + ": " + reason);
        this.reason = reason;
        this.line = line;
        this.column = column;
    }

    /** The message without the position. */
    public String reason() {
        return reason;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
