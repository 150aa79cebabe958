package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.datasets.shapes.ShapesGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vlmd data check} and {@code vlmd data show} on a Shapes set, a mixed bad file and a tiny model. */
class DataCheckShowTest {
    @TempDir
    static Path dir;
    static Path model;

    /** A LLaVA-shaped model dir: 4 image tokens per image, ChatML with image parts, a word-level tokenizer. */
    @BeforeAll
    static void data() throws IOException {
        ShapesDataset.write(dir.resolve("shapes"), 40, 10, 7);
        model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), """
                {"model_type": "llava", "vision_feature_select_strategy": "default",
                 "vision_config": {"model_type": "clip_vision_model", "hidden_size": 32, "intermediate_size": 64,
                   "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 28, "patch_size": 14},
                 "text_config": {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64,
                   "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 128}}""");
        // the processor's 28 x 28 crop (the CLIP processor's default is 224, 256 tokens): (28 / 14)^2 = 4 tokens
        Files.writeString(model.resolve("preprocessor_config.json"), """
                {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 28},
                 "crop_size": {"height": 28, "width": 28}}""");
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode();
        config.put("chat_template", "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['content'] is string %}"
                + "{{ m['content'] }}{% else %}{% for p in m['content'] %}{% if p['type'] == 'image' %}<image>{% else %}"
                + "{{ p['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
                + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
        config.put("eos_token", "<|im_end|>");
        json.writeValue(model.resolve("tokenizer_config.json").toFile(), config);
        List<String> special = List.of("<|im_start|>", "<|im_end|>", "<image>", "[UNK]");
        List<String> words = new ArrayList<>(List.of("user", "assistant", "?", ".", ","));
        words.addAll(ShapesGenerator.VOCABULARY);
        ObjectNode tok = json.createObjectNode();
        ArrayNode added = tok.putArray("added_tokens");
        ObjectNode vocab = json.createObjectNode();
        int id = 0;
        for (String s : special) {
            ObjectNode a = added.addObject();
            a.put("id", id).put("content", s).put("single_word", false).put("lstrip", false).put("rstrip", false)
                    .put("normalized", false).put("special", true);
            vocab.put(s, id++);
        }
        for (String w : words) {
            if (!vocab.has(w)) {
                vocab.put(w, id++);
            }
        }
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        tok.putNull("normalizer");
        tok.putObject("pre_tokenizer").put("type", "Whitespace");
        tok.putNull("post_processor");
        tok.putNull("decoder");
        ObjectNode m = tok.putObject("model");
        m.put("type", "WordLevel");
        m.set("vocab", vocab);
        m.put("unk_token", "[UNK]");
        json.writeValue(model.resolve("tokenizer.json").toFile(), tok);
    }

    @Test
    void checkCountsAGoodSetAndListsEveryBadRecordOfAMixedFile() throws IOException {
        Path shapes = dir.resolve("shapes");
        CliRun good = CliRun.run("data", "check", shapes.resolve("train.jsonl").toString(), "--model", model.toString());
        assertEquals(0, good.code(), good.err());
        assertTrue(good.out().contains("good records: 40   skipped: 0   images: 40"), good.out());
        assertTrue(good.out().matches("(?s).*<= 64\\s+40 #{40}.*"), good.out());
        assertTrue(good.out().contains("tokens per record"), good.out());

        List<String> lines = new ArrayList<>(Files.readAllLines(shapes.resolve("train.jsonl")).subList(0, 3));
        Files.write(shapes.resolve("images/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        lines.add(1, "{\"id\": \"bad-json\", ");
        lines.add(3, "{\"id\": \"no-file\", \"image\": \"images/missing.png\", \"conversations\": "
                + "[{\"from\": \"human\", \"value\": \"<image>\\nx\"}, {\"from\": \"gpt\", \"value\": \"y\"}]}");
        lines.add("{\"id\": \"broken\", \"image\": \"images/broken.png\", \"conversations\": "
                + "[{\"from\": \"human\", \"value\": \"<image>\\nx\"}, {\"from\": \"gpt\", \"value\": \"y\"}]}");
        lines.add("{\"id\": \"escape\", \"image\": \"../../etc/passwd\", \"conversations\": "
                + "[{\"from\": \"human\", \"value\": \"<image>\\nx\"}, {\"from\": \"gpt\", \"value\": \"y\"}]}");
        Path mixed = shapes.resolve("mixed.jsonl");
        Files.write(mixed, lines);
        CliRun r = CliRun.run("data", "check", mixed.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("good records: 3   skipped: 4"), r.out());
        assertTrue(r.out().contains("mixed.jsonl line 2: malformed JSON"), r.out());
        assertTrue(r.out().contains("mixed.jsonl line 4: missing image file"), r.out());
        // a record whose image fails after it was read is named with its id too
        assertTrue(r.out().matches("(?s).*mixed\\.jsonl line 6 \\(id broken\\): corrupt or truncated image: .*broken\\.png.*"),
                r.out());
        assertTrue(r.out().contains("mixed.jsonl line 7: image path outside the image root"), r.out());
    }

    /** A record id, a speaker and an image path holding ESC[2J, an OSC title and NUL reach the terminal escaped. */
    @Test
    void checkPrintsControlBytesFromTheDataEscaped() throws IOException {
        String evil = "\\u001b[2J\\u001b]0;owned\\u0007\\u0000";
        List<String> lines = List.of(
                "{\"id\": \"" + evil + "id\", \"image\": \"images/" + evil + ".png\", \"conversations\": "
                        + "[{\"from\": \"human\", \"value\": \"<image>\\nx\"}, {\"from\": \"gpt\", \"value\": \"y\"}]}",
                "{\"id\": \"" + evil + "id2\", \"conversations\": "
                        + "[{\"from\": \"" + evil + "\", \"value\": \"x\"}, {\"from\": \"gpt\", \"value\": \"y\"}]}");
        Path file = dir.resolve("shapes/evil.jsonl");
        Files.write(file, lines);
        CliRun r = CliRun.run("data", "check", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("skipped: 2"), r.out());
        byte[] out = r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < out.length; i++) {
            assertTrue(out[i] != 0x1b && out[i] != 0x00 && out[i] != 0x07, "raw control byte " + out[i] + " at " + i
                    + " in:\n" + r.out().replace("\u001b", "<ESC>").replace("\u0000", "<NUL>"));
        }
        assertTrue(r.out().contains("\\x1b[2J\\x1b]0;owned\\x07\\x00"), r.out());
    }

    @Test
    void showPrintsTheRenderedTextAndEveryTokenWithItsLabel() throws IOException {
        CliRun r = CliRun.run("data", "show", "--model", model.toString(), dir.resolve("shapes/train.jsonl").toString(), "--index", "1");
        assertEquals(0, r.code(), r.err());
        String first = Files.readAllLines(dir.resolve("shapes/train.jsonl")).get(1);
        String answer = new ObjectMapper().readTree(first).get("conversations").get(1).get("value").asText();
        assertTrue(r.out().contains("<|im_start|>user\n<image>×4\n"), r.out());
        assertTrue(r.out().contains("<|im_start|>assistant\n" + answer + "<|im_end|>"), r.out());
        assertTrue(r.out().matches("(?s).*\\.\\.\\d+\\s+2\\s+<image> ×4.*"), "image run collapsed:\n" + r.out());
        assertTrue(r.out().matches("(?s).*\\d+\\s+1\\s+yes\\s+<\\|im_end\\|>.*"), "end of turn labelled:\n" + r.out());

        CliRun msgs = CliRun.run("data", "show", "--model", model.toString(), "--messages",
                "[{\"role\": \"user\", \"content\": \"<image>\\nWhat color is the circle?\"}, {\"role\": \"assistant\", \"content\": \"red\"}]",
                "--image", dir.resolve("shapes/images/shapes-000000.png").toString());
        assertEquals(0, msgs.code(), msgs.err());
        assertTrue(msgs.out().contains("labelled 2"), msgs.out()); // "red" and <|im_end|>
        CliRun bad = CliRun.run("data", "show", "--model", model.toString(), "--messages", "[{\"role\": \"robot\", \"content\": \"x\"}]");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--messages[0].role"), bad.err());
    }
}
