package org.vlmdistill.datasets.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The engine's semantics, one snippet at a time: whitespace control, trim/lstrip blocks, loops and
 * their scope, namespace, macros, slicing, filters, tests, undefined, Python printing and Python's
 * error messages. Each snippet of {@code templates/engine-cases.json} was rendered by Jinja2 into
 * {@code templates/engine-expected.json}; the Java output (or error) must be the same.
 */
class EngineSemanticsTest {

    @TestFactory
    Stream<DynamicTest> everySnippetMatchesJinja2() throws IOException {
        JsonNode expected = Fixtures.readJson("engine-expected.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : Fixtures.readJson("engine-cases.json")) {
            String name = c.get("name").asText();
            JsonNode want = expected.get(name);
            tests.add(DynamicTest.dynamicTest(name, () -> check(c, want)));
        }
        assertEquals(expected.size(), tests.size(), "engine-expected.json is stale: rerun render_expected.py");
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    private static void check(JsonNode c, JsonNode want) {
        String source = c.get("template").asText();
        Map<String, Object> context = c.has("context") ? (Map<String, Object>) Fixtures.plain(c.get("context")) : Map.of();
        if (want.has("output")) {
            assertEquals(want.get("output").asText(), ChatTemplate.parse(source).render(context), source);
        } else {
            String reason;
            try {
                String out = ChatTemplate.parse(source).render(context);
                throw new AssertionError("expected the error \"" + want.get("error").asText() + "\" but rendered " + out);
            } catch (TemplateRenderException e) {
                reason = e.reason();
            } catch (TemplateSyntaxException e) {
                reason = e.reason();
            }
            assertTrue(reason.equals(want.get("error").asText()),
                    () -> source + "\n expected error: " + want.get("error").asText() + "\n got: " + reasonOf(c));
        }
    }

    private static String reasonOf(JsonNode c) {
        try {
            ChatTemplate.parse(c.get("template").asText()).render(Map.of());
            return "(no error)";
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }
}
