package org.vlmdistill.datasets.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Errors a template author sees, and the Java side of rendering (values in, state between renders). */
class ChatTemplateTest {

    private static TemplateSyntaxException syntaxError(String source) {
        return assertThrows(TemplateSyntaxException.class, () -> ChatTemplate.parse(source));
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        TemplateSyntaxException e = syntaxError("line1\n{% if x %}\n  {{ a + }}\n{% endif %}");
        assertEquals(3, e.line());
        assertEquals(10, e.column());
        assertEquals("unexpected 'end of print statement'", e.reason());
        assertEquals("line 3, column 10: unexpected 'end of print statement'", e.getMessage());
    }

    @Test
    void unclosedBlockSaysWhatIsMissing() {
        TemplateSyntaxException e = syntaxError("{% for x in y %}\n{% if x %}a{% endif %}");
        assertEquals("Unexpected end of template. Jinja was looking for the following tags: 'endfor' or 'else'. "
                + "The innermost block that needs to be closed is 'for'.", e.reason());
        assertEquals(2, e.line());
    }

    @Test
    void unknownFilterAndTestFailAtParseTime() {
        TemplateSyntaxException filter = syntaxError("{{ messages | nosuch }}");
        assertEquals("No filter named 'nosuch'.", filter.reason());
        assertEquals(1, filter.line());
        assertEquals(15, filter.column());

        TemplateSyntaxException test = syntaxError("{% if true %}\n{% if x is nosuch %}{% endif %}{% endif %}");
        assertEquals("No test named 'nosuch'.", test.reason());
        assertEquals(2, test.line());
        assertEquals(12, test.column());
    }

    @Test
    void unknownAndStrayTags() {
        assertEquals("Encountered unknown tag 'foo'.", syntaxError("x {% foo %}").reason());
        assertEquals("Encountered unknown tag 'endif'. Jinja was looking for the following tags: 'endfor' or 'else'. "
                + "The innermost block that needs to be closed is 'for'.", syntaxError("{% for x in y %}{% endif %}").reason());
        assertTrue(syntaxError("{% include 'other.jinja' %}").reason().contains("'include' tag is not supported"));
    }

    @Test
    void lexicalErrors() {
        assertEquals("unterminated string", syntaxError("{{ 'abc }}").reason());
        assertEquals("Missing end of comment tag", syntaxError("a {# never closed").reason());
        assertEquals("unexpected '}'", syntaxError("{{ x }").reason());
        assertEquals("unexpected ')', expected ']'", syntaxError("{{ [1) }}").reason());
        assertEquals("invalid syntax for function call expression", syntaxError("{{ f(a=1, 2) }}").reason());
        assertEquals("can't assign to 'const'", syntaxError("{% set none = 1 %}").reason());
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.parse("ok\n{{ raise_exception('Conversation roles must alternate user/assistant') }}");
        TemplateRaisedException e = assertThrows(TemplateRaisedException.class, () -> t.render(Map.of()));
        assertEquals("Conversation roles must alternate user/assistant", e.reason());
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith("Conversation roles must alternate user/assistant"));
    }

    @Test
    void runtimeErrorsNameTheLine() {
        ChatTemplate t = ChatTemplate.parse("a\n\n{% for m in messages %}{{ m.content + 1 }}{% endfor %}");
        TemplateRenderException e = assertThrows(TemplateRenderException.class,
                () -> t.render(Map.of("messages", List.of(Map.of("content", "x")))));
        assertEquals("can only concatenate str (not \"int\") to str", e.reason());
        assertEquals(3, e.line());
    }

    @Test
    void javaValuesBecomePythonValues() {
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("i", 3);
        ctx.put("f", 0.5f);
        ctx.put("arr", new String[] {"a", "b"});
        ctx.put("nested", Map.of("k", List.of(1, 2)));
        ctx.put("none", null);
        ChatTemplate t = ChatTemplate.parse("{{ i + 1 }} {{ i is integer }} {{ f * 2 }} {{ arr }} {{ nested }} {{ none is none }} {{ none }}");
        assertEquals("4 True 1.0 ['a', 'b'] {'k': [1, 2]} True None", t.render(ctx));
    }

    @Test
    void rendersAreIndependent() {
        ChatTemplate t = ChatTemplate.parse("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}");
        assertEquals("6", t.render(Map.of("xs", List.of(1, 2, 3))));
        assertEquals("6", t.render(Map.of("xs", List.of(1, 2, 3))));
        assertEquals("0", t.render(Map.of("xs", List.of())));
    }

    @Test
    void contextShadowsGlobals() {
        assertEquals("mine", ChatTemplate.parse("{{ range }}").render(Map.of("range", "mine")));
    }

    @Test
    void toolsAndDocumentsAreNoneUnlessGiven() {
        ChatTemplate t = ChatTemplate.parse("{{ tools is none }} {{ documents is none }} {{ add_generation_prompt }} {{ messages|length }}");
        assertEquals("True True False 1", ChatTemplates.render(t, List.of(Map.of("role", "user", "content", "hi")), false, Map.of()));
        assertEquals("False True True 0", ChatTemplates.render(t, List.of(), true, Map.of("tools", List.of())));
    }

    @Test
    void strftimeNowFormatsToday() {
        String today = Globals.strftime("%d %b %Y", java.time.LocalDateTime.now());
        assertEquals(today, ChatTemplate.parse("{{ strftime_now('%d %b %Y') }}").render(Map.of()));
        assertEquals("05 Mar 2024 Tuesday 07 PM 065 %",
                Globals.strftime("%d %b %Y %A %I %p %j %%", java.time.LocalDateTime.of(2024, 3, 5, 19, 0)));
    }
}
