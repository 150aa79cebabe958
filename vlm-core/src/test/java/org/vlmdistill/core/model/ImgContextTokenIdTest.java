package org.vlmdistill.core.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.config.InternVLChatConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InternVL's {@code <IMG_CONTEXT>} id, which config.json does not hold: {@link ModelDirectory#open} takes it
 * from whichever tokenizer file declares it, refuses files that disagree or that all lack it, and leaves it
 * unresolved in a directory with no tokenizer file at all.
 */
class ImgContextTokenIdTest {
    private static final String CONFIG = """
            {"model_type": "internvl_chat", "ps_version": "v2",
             "vision_config": {"hidden_size": 8, "num_attention_heads": 2, "intermediate_size": 16,
                               "num_hidden_layers": 1, "image_size": 28},
             "llm_config": {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 16, "num_attention_heads": 2,
                            "num_key_value_heads": 1, "num_hidden_layers": 1, "intermediate_size": 32,
                            "vocab_size": 200}}""";

    @TempDir
    Path dir;

    private int open() {
        return assertInstanceOf(InternVLChatConfig.class, ModelDirectory.open(dir).config()).imageTokenId();
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    @Test
    void eachTokenizerFileGivesTheId() throws IOException {
        write("config.json", CONFIG);
        write("added_tokens.json", "{\"<img>\": 150, \"<IMG_CONTEXT>\": 152, \"</img>\": 151}");
        assertEquals(152, open());
        Files.delete(dir.resolve("added_tokens.json"));
        write("tokenizer_config.json", "{\"added_tokens_decoder\": {\"151\": {\"content\": \"</img>\", \"special\": true},"
                + " \"92546\": {\"content\": \"<IMG_CONTEXT>\", \"special\": true}}, \"model_max_length\": 8192}");
        assertEquals(92546, open());
        Files.delete(dir.resolve("tokenizer_config.json"));
        write("tokenizer.json", "{\"added_tokens\": [{\"id\": 0, \"content\": \"<unk>\"},"
                + " {\"id\": 151667, \"content\": \"<IMG_CONTEXT>\", \"special\": true}], \"model\": {}}");
        assertEquals(151667, open());
        // a tokenizer_config.json without added tokens beside it is no contradiction
        write("tokenizer_config.json", "{\"model_max_length\": 8192}");
        assertEquals(151667, open());
    }

    @Test
    void filesThatDisagreeAreRefusedNamingBoth() throws IOException {
        write("config.json", CONFIG);
        write("added_tokens.json", "{\"<IMG_CONTEXT>\": 152}");
        write("tokenizer.json", "{\"added_tokens\": [{\"id\": 153, \"content\": \"<IMG_CONTEXT>\"}]}");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelDirectory.open(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString())
                && e.getMessage().contains("153") && e.getMessage().contains("152")
                && e.getMessage().contains(dir.resolve("added_tokens.json").toString()), e.getMessage());
    }

    @Test
    void tokenizerFilesWithoutTheTokenAreRefusedNamingWhatWasRead() throws IOException {
        write("config.json", CONFIG);
        write("tokenizer_config.json", "{\"added_tokens_decoder\": {\"1\": {\"content\": \"<s>\"}}}");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelDirectory.open(dir));
        assertEquals(dir.toString() + ": no tokenizer file defines <IMG_CONTEXT>, whose id the model's config.json"
                + " leaves to the tokenizer; looked at added_tokens.json (absent), tokenizer_config.json"
                + " added_tokens_decoder, tokenizer.json (absent)", e.getMessage());
    }

    @Test
    void aDirectoryWithoutTokenizerFilesOpensWithTheIdUnknown() throws IOException {
        write("config.json", CONFIG);
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, ModelDirectory.open(dir).config());
        assertEquals(OptionalInt.empty(), c.knownImageTokenId());
        ConfigException e = assertThrows(ConfigException.class, c::imageTokenId);
        assertTrue(e.getMessage().startsWith("img_context_token_id: unknown"), e.getMessage());
    }

    @Test
    void aBadIdIsNamed() throws IOException {
        write("config.json", CONFIG);
        write("added_tokens.json", "{\"<IMG_CONTEXT>\": \"152\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelDirectory.open(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("added_tokens.json") + ": the id of <IMG_CONTEXT> is not"),
                e.getMessage());
    }
}
