package org.vlmdistill.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationConfigTest {

    @Test
    void llama32InstructListsThreeEosIds() {
        GenerationConfig g = HfConfigs.readGeneration(Fixtures.dir("Llama-3.2-1B-Instruct"));
        assertEquals(OptionalInt.of(128000), g.bosTokenId());
        assertEquals(List.of(128001, 128008, 128009), g.eosTokenId());
        assertTrue(g.doSample());
        assertEquals(0.6, g.temperature());
        assertEquals(0.9, g.topP());
        assertEquals(50, g.topK(), "GenerationConfig default");
        assertEquals(OptionalInt.empty(), g.maxNewTokens());
        assertEquals(OptionalInt.empty(), g.padTokenId());
        assertEquals(Set.of("transformers_version"), g.extra().keys());
    }

    @Test
    void qwen2InstructSampling() {
        GenerationConfig g = HfConfigs.readGeneration(Fixtures.dir("Qwen2-0.5B-Instruct"));
        assertEquals(List.of(151645, 151643), g.eosTokenId());
        assertEquals(OptionalInt.of(151643), g.padTokenId());
        assertEquals(0.7, g.temperature());
        assertEquals(0.8, g.topP());
        assertEquals(20, g.topK());
        assertEquals(Set.of("repetition_penalty", "transformers_version"), g.extra().keys());
    }

    @Test
    void smolLm2SingleEosAndDefaults() {
        GenerationConfig g = HfConfigs.readGeneration(Fixtures.dir("SmolLM2-135M").resolve("generation_config.json"));
        assertEquals(List.of(0), g.eosTokenId());
        assertFalse(g.doSample());
        assertEquals(1.0, g.temperature());
        assertEquals(1.0, g.topP());
        assertEquals(50, g.topK());
        assertEquals(Set.of("_from_model_config", "transformers_version"), g.extra().keys());
    }

    @Test
    void smolVlmEndOfUtterance() {
        GenerationConfig g = HfConfigs.readGenerationIfPresent(Fixtures.dir("SmolVLM-256M-Instruct")).orElseThrow();
        assertEquals(List.of(2, 49279), g.eosTokenId());
    }

    @Test
    void absentGenerationConfig() {
        assertEquals(Optional.empty(), HfConfigs.readGenerationIfPresent(Fixtures.dir("siglip-base-patch16-224-vision")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> HfConfigs.readGeneration(Fixtures.dir("siglip-base-patch16-224-vision")));
        assertTrue(e.getMessage().contains("generation_config.json: no such file"), e.getMessage());
    }

    @Test
    void badValuesNameTheFileAndField(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("generation_config.json");
        Files.writeString(file, "{\"eos_token_id\": [1, 2.5]}");
        ConfigException e = assertThrows(ConfigException.class, () -> HfConfigs.readGeneration(dir));
        assertEquals(Optional.of(file.toString()), e.source());
        assertEquals(Optional.of("eos_token_id[1]"), e.field());

        Files.writeString(file, "{\"max_new_tokens\": 0}");
        e = assertThrows(ConfigException.class, () -> HfConfigs.readGeneration(dir));
        assertEquals(Optional.of("max_new_tokens"), e.field());
        assertTrue(e.getMessage().startsWith(file + ": max_new_tokens: "), e.getMessage());

        Files.writeString(file, "{\"top_p\": 1.5}");
        e = assertThrows(ConfigException.class, () -> HfConfigs.readGeneration(dir));
        assertEquals(Optional.of("top_p"), e.field());
    }
}
