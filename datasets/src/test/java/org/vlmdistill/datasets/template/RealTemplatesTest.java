package org.vlmdistill.datasets.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Real chat templates (Qwen3, Qwen2-VL, SmolVLM, LLaVA-1.5, InternVL, Gemma 3, Llama 3, Llama 3.1,
 * DeepSeek-V3) rendered on
 * the conversations of {@code templates/cases.json}, compared byte for byte with what Python's Jinja2
 * rendered, transformers-style, into {@code templates/expected/} ({@code render_expected.py}).
 */
class RealTemplatesTest {

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesJinja2() throws IOException {
        Path dir = Fixtures.templatesDir();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : Fixtures.readJson("cases.json")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> check(dir, c, name)));
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    private static void check(Path dir, JsonNode c, String name) throws IOException {
        ModelChatTemplate model = ChatTemplates.load(dir.resolve(c.get("model").asText()));
        List<Map<String, Object>> messages = (List<Map<String, Object>>) Fixtures.plain(c.get("messages"));
        Map<String, Object> extra = c.has("extra") ? (Map<String, Object>) Fixtures.plain(c.get("extra")) : Map.of();
        boolean addGenerationPrompt = c.get("add_generation_prompt").asBoolean();

        Path expected = dir.resolve("expected").resolve(name + ".expected.txt");
        Path expectedError = dir.resolve("expected").resolve(name + ".expected-error.txt");
        if (Files.exists(expected)) {
            String out = model.render(messages, addGenerationPrompt, extra);
            assertEquals(Files.readString(expected, StandardCharsets.UTF_8), out, name);
        } else {
            TemplateRenderException e = assertThrows(TemplateRenderException.class,
                    () -> model.render(messages, addGenerationPrompt, extra), name);
            assertEquals(Files.readString(expectedError, StandardCharsets.UTF_8), e.reason(), name);
        }
    }
}
