package org.vlmdistill.datasets.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.template.ChatTemplates;
import org.vlmdistill.datasets.template.ModelChatTemplate;
import org.vlmdistill.datasets.tokenizer.ChatTokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An InternVL directory without a chat_template whose config.json names {@code "template": "internlm2-chat"}:
 * the built-in template renders conversation.py's prompt (with the BOS InternLM2Tokenizer adds), the
 * SentencePiece tokenizer gives its ids, and the labels are preprocess_internlm's: only each answer and
 * its {@code <|im_end|>}. Expected text, ids and labels: tools/sentencepiece_fixtures.py, from the
 * reference's get_prompt and label arithmetic over python3-sentencepiece.
 */
class InternLM2ChatSamplesTest {

    static Path resources() {
        try {
            return Path.of(InternLM2ChatSamplesTest.class.getResource("/sentencepiece/expected-internlm2-chat.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void textIdsAndLabelsEqualPreprocessInternlm() throws IOException {
        Path dir = resources().resolve("internlm2-tokenizer");
        JsonNode expected = new ObjectMapper().readTree(resources().resolve("expected-internlm2-chat.json").toFile());
        ModelChatTemplate template = ChatTemplates.load(dir);
        assertEquals(dir.resolve("config.json"), template.source());
        try (ChatTokenizer tok = ChatTokenizer.load(dir)) {
            SampleBuilder builder = new SampleBuilder((messages, gen) -> template.render(messages, gen, Map.of()),
                    ModelSamples.textEncoder(tok), new FixedImageTokens("<image>", 1), SampleOptions.defaults(),
                    SampleBuilder.readsContentParts(template.template().source()), List.of("<|im_end|>"));
            int labelled = 0;
            for (JsonNode c : expected.get("cases")) {
                assertTrue(c.get("reference_consistent").asBoolean(), "the reference labels this conversation");
                List<Turn> turns = new ArrayList<>();
                for (JsonNode qa : c.get("turns")) {
                    turns.add(new Turn(Role.USER, qa.get(0).asText()));
                    turns.add(new Turn(Role.ASSISTANT, qa.get(1).asText()));
                }
                EncodedConversation e = builder.build(new Conversation("c", turns, new Provenance(Path.of("t.jsonl"), "1")), List.of());
                assertEquals(c.get("text").asText(), e.text());
                assertArrayEquals(ints(c.get("ids")), e.inputIds(), e.text());
                assertArrayEquals(ints(c.get("labels")), e.labels(), e.text());
                labelled += (int) java.util.Arrays.stream(e.labels()).filter(l -> l != EncodedConversation.IGNORE_INDEX).count();
            }
            assertTrue(labelled > 50, "labelled tokens: " + labelled);
        }
    }

    @Test
    void systemTurnReplacesTheDefaultAndGenerationPromptOpensTheAnswer() throws IOException {
        ModelChatTemplate template = ChatTemplates.load(resources().resolve("internlm2-tokenizer"));
        String text = template.render(List.of(Map.of("role", "system", "content", " Be brief. "),
                Map.of("role", "user", "content", "Hi")), true, Map.of());
        assertEquals("<s><|im_start|>system\nBe brief.<|im_end|><|im_start|>user\nHi<|im_end|><|im_start|>assistant\n", text);
    }

    @Test
    void unknownTemplateNameIsNamedWithTheKnownOnes(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"template\": \"vicuna_v1.1\"}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.load(dir));
        assertTrue(e.getMessage().contains("config.json: field 'template' is 'vicuna_v1.1'")
                && e.getMessage().contains("internlm2-chat"), e.getMessage());
    }

    @Test
    void internvl25AndHermesTemplatesFollowTheirSeparators(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": null, \"eos_token\": \"<|im_end|>\"}");
        List<Map<String, String>> chat = List.of(Map.of("role", "user", "content", "Q"), Map.of("role", "assistant", "content", "A"));
        Files.writeString(dir.resolve("config.json"), "{\"template\": \"internvl2_5\"}");
        assertEquals("<|im_start|>system\n你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。"
                + "<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n",
                ChatTemplates.load(dir).render(chat, false, Map.of()));
        Files.writeString(dir.resolve("config.json"), "{\"template\": \"Hermes-2\"}");
        assertEquals("<|im_start|>system\n你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。"
                + "<|im_end|><|im_start|>user\nQ<|im_end|><|im_start|>assistant\nA<|im_end|>",
                ChatTemplates.load(dir).render(chat, false, Map.of()));
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
