package org.vlmdistill.datasets.template;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face {@code chat_template}, parsed once and rendered as transformers renders it: Jinja2's
 * ImmutableSandboxedEnvironment with {@code trim_blocks} and {@code lstrip_blocks}, the loopcontrols
 * extension, transformers' {@code tojson}, {@code raise_exception} and {@code strftime_now}, and
 * {@code {% generation %}} blocks. The output is compared byte for byte with Python's Jinja2 in the tests.
 *
 * <p>Context values are plain Java: String, Integer/Long, Float/Double, Boolean, null (Python's None),
 * List, Map (iteration order kept, as Python dicts keep it). Printing follows Python: {@code True},
 * {@code None}, {@code ['a', 1]}, {@code {'k': 'v'}}; an undefined name prints as nothing.
 * Thread-safe: a template holds no state between renders.
 */
public final class ChatTemplate {
    private final String source;
    private final String name;
    private final List<Node> body;

    private ChatTemplate(String source, String name, List<Node> body) {
        this.source = source;
        this.name = name;
        this.body = body;
    }

    /**
     * @throws TemplateSyntaxException naming line and column, for bad syntax or an unknown filter or test
     */
    public static ChatTemplate parse(String source) {
        return parse(source, "<chat template>");
    }

    /**
     * @param name what a {@link TemplateLimitException} names: the template's file
     * @throws TemplateSyntaxException naming line and column, for bad syntax or an unknown filter or test
     * @throws TemplateLimitException where blocks and expressions nest deeper than
     *                                {@link TemplateLimitException#MAX_PARSE_DEPTH}
     */
    public static ChatTemplate parse(String source, String name) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        return new ChatTemplate(source, name, Parser.parse(Lexer.normalize(source), name));
    }

    /** The file the template came from, or the name it was parsed under. */
    public String name() {
        return name;
    }

    /** The template text as given. */
    public String source() {
        return source;
    }

    /**
     * @param context the template's variables ({@code messages}, {@code add_generation_prompt},
     *                {@code bos_token}, ...); they shadow the globals
     * @throws TemplateRaisedException where the template calls {@code raise_exception}
     * @throws TemplateRenderException where Jinja2 would fail too (undefined used in arithmetic, ...)
     * @throws TemplateLimitException where macro calls nest too deep or the output grows too large
     */
    public String render(Map<String, ?> context) {
        Scope globals = new Scope(null);
        Globals.install(globals);
        Scope root = globals.child();
        context.forEach((k, v) -> root.set(k, Py.normalize(v)));
        StringBuilder out = new StringBuilder();
        new Interpreter(name).exec(body, root, out);
        return out.toString();
    }
}
