package org.vlmdistill.datasets.template;

/**
 * A parse or render stopped at one of the engine's limits, which Jinja2 has in its own form (Python's
 * recursion limit, the memory of the process): blocks and expressions nested deeper than
 * {@link #MAX_PARSE_DEPTH} in the source, macro calls nested deeper than {@link #MAX_CALL_DEPTH},
 * or more than {@link #MAX_OUTPUT_CHARS} characters written into one buffer (the output, a macro's
 * result, a {@code {% set %}} block, a repeated string or list). The message names the template (its
 * file where {@link ChatTemplates#load} found it) and the limit.
 */
public final class TemplateLimitException extends TemplateRenderException {
    private static final long serialVersionUID = 1L;

    /**
     * Macro calls in progress at once. Released chat templates nest two or three (a macro rendering
     * content parts, called from the message loop); Jinja2 itself gives up after a few hundred, at
     * Python's recursion limit; 100 keeps a runaway template far from the Java stack's end.
     */
    public static final int MAX_CALL_DEPTH = 100;

    /**
     * Characters in one buffer: 16M, four times the roughly 4M characters of a million-token
     * conversation, where a chat sample is a few thousand.
     */
    public static final int MAX_OUTPUT_CHARS = 1 << 24;

    /**
     * Nesting levels while parsing: blocks ({@code if}, {@code for}, {@code macro}, ...) and expressions
     * (brackets, calls, subscripts, {@code not}, signs, chained {@code else}) counted together. Released
     * chat templates nest about ten (blocks six deep, an expression four); Jinja2's parser stops at
     * Python's recursion limit, a few hundred levels; 100 keeps the parser's recursion, about a dozen
     * frames a level, far from the Java stack's end.
     */
    public static final int MAX_PARSE_DEPTH = 100;

    private final String template;
    private final long limit;

    TemplateLimitException(String template, String reason, long limit) {
        super(template + ": " + reason, 0);
        this.template = template;
        this.limit = limit;
    }

    static TemplateLimitException depth(String template, String macro) {
        return new TemplateLimitException(template, "macro " + Py.repr(macro) + ": macro calls nest deeper than "
                + MAX_CALL_DEPTH + " (the renderer's recursion limit; does a macro call itself without end?)",
                MAX_CALL_DEPTH);
    }

    static TemplateLimitException parseDepth(String template, int line) {
        return new TemplateLimitException(template, "blocks and expressions nest deeper than " + MAX_PARSE_DEPTH
                + " levels at template line " + line + " (the parser's limit)", MAX_PARSE_DEPTH);
    }

    static TemplateLimitException output(String template, long chars, int line) {
        return new TemplateLimitException(template, "the render would write " + chars + " characters, more than "
                + "the limit of " + MAX_OUTPUT_CHARS + " characters" + (line > 0 ? " (template line " + line + ")" : ""),
                MAX_OUTPUT_CHARS);
    }

    static TemplateLimitException repeat(String template, long size) {
        return new TemplateLimitException(template, "a repeated string or list ('*') would hold " + size
                + " characters or items, more than the limit of " + MAX_OUTPUT_CHARS, MAX_OUTPUT_CHARS);
    }

    /** The template's name: the file it came from, or what {@link ChatTemplate#parse(String, String)} was given. */
    public String template() {
        return template;
    }

    /** The limit that was reached: {@link #MAX_CALL_DEPTH}, {@link #MAX_PARSE_DEPTH} or {@link #MAX_OUTPUT_CHARS}. */
    public long limit() {
        return limit;
    }
}
