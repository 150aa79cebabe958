package org.vlmdistill.datasets.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A template cannot recurse or write without end: macro calls nest at most
 * {@link TemplateLimitException#MAX_CALL_DEPTH} deep and a render writes at most
 * {@link TemplateLimitException#MAX_OUTPUT_CHARS} characters into any one buffer. Past either, the
 * render stops with a {@link TemplateLimitException} naming the template and the limit, where it used
 * to end in a StackOverflowError (or fill the heap).
 */
class TemplateLimitsTest {

    private static final String RECURSING = "{% macro f(n) %}[{{ f(n + 1) }}]{% endmacro %}{{ f(0) }}";

    @Test
    void aMacroCallingItselfStopsAtTheDepthLimit() {
        TemplateLimitException e = assertThrows(TemplateLimitException.class,
                () -> ChatTemplate.parse(RECURSING).render(Map.of()));
        assertEquals(TemplateLimitException.MAX_CALL_DEPTH, e.limit());
        assertTrue(e.getMessage().contains("macro 'f'") && e.getMessage().contains("deeper than "
                + TemplateLimitException.MAX_CALL_DEPTH), e.getMessage());
        assertTrue(e.getStackTrace().length < 1024, "no recursion-deep trace: " + e.getStackTrace().length);
    }

    /** The error names the file the template came from. */
    @Test
    void theErrorNamesTheTemplateFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"), RECURSING);
        ModelChatTemplate m = ChatTemplates.load(dir);
        TemplateLimitException e = assertThrows(TemplateLimitException.class,
                () -> m.render(List.of(Map.of("role", "user", "content", "hi")), false, Map.of()));
        assertEquals(dir.resolve("chat_template.jinja").toString(), e.template());
        assertTrue(e.getMessage().startsWith(dir.resolve("chat_template.jinja") + ": "), e.getMessage());
    }

    /** Mutual recursion counts the same as self-recursion. */
    @Test
    void twoMacrosCallingEachOtherStopToo() {
        String t = "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}";
        assertThrows(TemplateLimitException.class, () -> ChatTemplate.parse(t).render(Map.of()));
    }

    /** Recursion that ends (nested message content, a counter) renders as before, as in Jinja2. */
    @Test
    void recursionThatEndsWithinTheLimitRenders() {
        String t = "{% macro down(n) %}{{ n }}{% if n > 0 %},{{ down(n - 1) }}{% endif %}{% endmacro %}{{ down(40) }}";
        String out = ChatTemplate.parse(t).render(Map.of());
        assertTrue(out.startsWith("40,39,") && out.endsWith(",1,0"), out);
    }

    @Test
    void oneHugePrintStopsAtTheOutputLimit() {
        TemplateLimitException e = assertThrows(TemplateLimitException.class,
                () -> ChatTemplate.parse("{{ 'x' * 17000000 }}", "big.jinja").render(Map.of()));
        assertEquals(TemplateLimitException.MAX_OUTPUT_CHARS, e.limit());
        assertTrue(e.getMessage().startsWith("big.jinja: ") && e.getMessage().contains("characters"), e.getMessage());
    }

    @Test
    void aLoopThatWritesTooMuchStopsAtTheOutputLimit() {
        String t = "{% for i in range(100000) %}{{ 'y' * 200 }}{% endfor %}";
        TemplateLimitException e = assertThrows(TemplateLimitException.class, () -> ChatTemplate.parse(t).render(Map.of()));
        assertEquals(TemplateLimitException.MAX_OUTPUT_CHARS, e.limit());
    }

    /**
     * Nesting in the source: 5,000 levels of each construct the parser descends into, which used to end in
     * a StackOverflowError while parsing, are refused at {@link TemplateLimitException#MAX_PARSE_DEPTH}
     * naming the template.
     */
    @Test
    void deepNestingStopsAtTheParseDepthLimit() {
        int n = 5000;
        Map<String, String> deep = new java.util.LinkedHashMap<>();
        deep.put("parentheses", "{{ " + "(".repeat(n) + "1" + ")".repeat(n) + " }}");
        deep.put("if blocks", "{% if true %}".repeat(n) + "x" + "{% endif %}".repeat(n));
        deep.put("for blocks", "{% for i in [1] %}".repeat(n) + "x" + "{% endfor %}".repeat(n));
        deep.put("lists", "{{ " + "[".repeat(n) + "]".repeat(n) + " }}");
        deep.put("dicts", "{{ " + "{'k': ".repeat(n) + "1" + "}".repeat(n) + " }}");
        deep.put("calls", "{{ " + "range(".repeat(n) + "1" + ")".repeat(n) + " }}");
        deep.put("subscripts", "{{ x" + "[x".repeat(n) + "]".repeat(n) + " }}");
        deep.put("not", "{{ " + "not ".repeat(n) + "true }}");
        deep.put("signs", "{{ " + "-".repeat(n) + "1 }}");
        deep.put("else chains", "{{ 1" + " if false else 1".repeat(n) + " }}");
        for (Map.Entry<String, String> e : deep.entrySet()) {
            TemplateLimitException x = assertThrows(TemplateLimitException.class,
                    () -> ChatTemplate.parse(e.getValue(), "deep.jinja"), e.getKey());
            assertEquals(TemplateLimitException.MAX_PARSE_DEPTH, x.limit(), e.getKey());
            assertEquals("deep.jinja", x.template(), e.getKey());
            assertTrue(x.getMessage().startsWith("deep.jinja: ") && x.getMessage().contains("nest deeper than "
                    + TemplateLimitException.MAX_PARSE_DEPTH), e.getKey() + ": " + x.getMessage());
        }
    }

    /** Nesting within the limit (far deeper than released templates nest) parses and renders as Jinja2 does. */
    @Test
    void nestingWithinTheParseLimitRenders() {
        java.util.Random random = new java.util.Random();
        int n = 20 + random.nextInt(20);
        assertEquals("7", ChatTemplate.parse("{{ " + "(".repeat(n) + "7" + ")".repeat(n) + " }}").render(Map.of()));
        assertEquals("x", ChatTemplate.parse("{% if true %}".repeat(n) + "x" + "{% endif %}".repeat(n)).render(Map.of()));
        assertEquals(n % 2 == 0 ? "1" : "-1", ChatTemplate.parse("{{ " + "-".repeat(n) + "1 }}").render(Map.of()));
        assertEquals(n % 2 == 0 ? "True" : "False", ChatTemplate.parse("{{ " + "not ".repeat(n) + "true }}")
                .render(Map.of()));
    }

    /** The parse limit names the file the template came from. */
    @Test
    void theParseLimitNamesTheTemplateFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"), "{% if true %}".repeat(5000) + "{% endif %}".repeat(5000));
        TemplateLimitException e = assertThrows(TemplateLimitException.class, () -> ChatTemplates.load(dir));
        assertEquals(dir.resolve("chat_template.jinja").toString(), e.template());
    }

    /** A limit error is a render error: callers that skip a sample on one skip it on the other. */
    @Test
    void aLimitIsARenderError() {
        assertThrows(TemplateRenderException.class, () -> ChatTemplate.parse(RECURSING).render(Map.of()));
    }
}
