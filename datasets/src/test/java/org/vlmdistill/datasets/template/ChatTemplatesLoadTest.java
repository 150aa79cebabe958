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

/** Finding a model directory's template and special tokens, and the errors for malformed files. */
class ChatTemplatesLoadTest {

    @TempDir
    Path dir;

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    @Test
    void realQwen3ConfigGivesTemplateAndTokens() throws IOException {
        ModelChatTemplate m = ChatTemplates.load(Fixtures.templatesDir().resolve("qwen3"));
        assertEquals("tokenizer_config.json", m.source().getFileName().toString());
        assertEquals("<|im_end|>", m.specialTokens().get("eos_token"));
        assertEquals("<|endoftext|>", m.specialTokens().get("pad_token"));
        assertTrue(!m.specialTokens().containsKey("bos_token"), "bos_token is null in Qwen3's config");
        assertTrue(((List<?>) m.specialTokens().get("additional_special_tokens")).contains("<|vision_start|>"));
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                m.render(List.of(Map.of("role", "user", "content", "hi")), true, Map.of()));
    }

    @Test
    void namedTemplateListPicksDefaultAndTokenObjectsGiveContent() throws IOException {
        write("tokenizer_config.json", """
                {"chat_template": [{"name": "tool_use", "template": "tools"},
                                   {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"}],
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "unk_token": null}
                """);
        ModelChatTemplate m = ChatTemplates.load(dir);
        assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>"), m.specialTokens());
        assertEquals("<s>hi</s>", m.render(List.of(Map.of("role", "user", "content", "hi")), false, Map.of()));
        assertEquals("[s]hi</s>", m.render(List.of(Map.of("role", "user", "content", "hi")), false, Map.of("bos_token", "[s]")));
    }

    @Test
    void jinjaFileThenJsonFileThenTokenizerConfig() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": \"config\", \"eos_token\": \"E\"}");
        assertEquals("config", ChatTemplates.load(dir).template().render(Map.of()));
        write("chat_template.json", "{\"chat_template\": \"json {{ eos_token }}\"}");
        ModelChatTemplate fromJson = ChatTemplates.load(dir);
        assertEquals("chat_template.json", fromJson.source().getFileName().toString());
        assertEquals("json E", fromJson.render(List.of(), false, Map.of()));
        write("chat_template.jinja", "jinja\n");
        assertEquals("jinja", ChatTemplates.load(dir).template().render(Map.of()));
    }

    @Test
    void errorsNameFileAndField() throws IOException {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(none.getMessage().contains("no chat template"), none.getMessage());

        write("tokenizer_config.json", "{\"chat_template\": 42}");
        IllegalArgumentException number = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(number.getMessage().contains("tokenizer_config.json: field 'chat_template' is a number"), number.getMessage());

        write("tokenizer_config.json", "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        IllegalArgumentException noDefault = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(noDefault.getMessage().contains("no template named 'default' (has [rag])"), noDefault.getMessage());

        write("tokenizer_config.json", "{\"chat_template\": \"ok\", \"eos_token\": 7}");
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(token.getMessage().contains("field 'eos_token' is a number"), token.getMessage());

        write("tokenizer_config.json", "{\"chat_template\": \"{% for %}\"}");
        IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(syntax.getMessage().contains("tokenizer_config.json: field 'chat_template' does not parse: line 1, column"),
                syntax.getMessage());

        write("tokenizer_config.json", "{\"chat_template\": ");
        IllegalArgumentException json = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(json.getMessage().contains("tokenizer_config.json: not valid JSON"), json.getMessage());
    }
}
