package org.vlmdistill.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny InternVL2 directories: InternVL2's files and tensor names, and they load as internvl_chat with
 * the {@code <IMG_CONTEXT>} id their tokenizer files give.
 */
class TinyInternVLTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final long seed = System.nanoTime();

    @Test
    void internlm2DirectoryHasInternVL2sFilesNamesAndTokenizer(@TempDir Path tmp) throws Exception {
        TinyModels.InternVLSpec spec = TinyModels.InternVLSpec.student();
        Path dir = TinyModels.internvl(tmp.resolve("s"), seed, spec, List.of());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json",
                "preprocessor_config.json", "generation_config.json")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertFalse(Files.exists(dir.resolve("tokenizer.json")), "InternLM2 ships no tokenizer.json");
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals("internvl_chat", config.path("model_type").asText());
        assertEquals("internlm2-chat", config.path("template").asText());
        assertEquals("InternLM2ForCausalLM", config.at("/llm_config/architectures/0").asText());
        assertEquals(2009, config.at("/llm_config/vocab_size").asInt());

        Set<String> names = tensorNames(dir);
        Set<String> prefixes = names.stream().map(n -> n.substring(0, n.indexOf('.'))).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("vision_model", "mlp1", "language_model"), prefixes, names.toString());
        for (String n : List.of("vision_model.embeddings.class_embedding", "vision_model.embeddings.position_embedding",
                "vision_model.embeddings.patch_embedding.weight", "vision_model.encoder.layers.1.attn.qkv.bias",
                "vision_model.encoder.layers.1.ls1", "mlp1.0.weight", "mlp1.1.weight", "mlp1.3.bias",
                "language_model.model.tok_embeddings.weight", "language_model.model.layers.1.attention.wqkv.weight",
                "language_model.model.layers.1.feed_forward.w3.weight", "language_model.model.norm.weight",
                "language_model.output.weight")) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            TensorInfo out = c.tensors().stream().filter(t -> t.name().equals("language_model.output.weight"))
                    .findFirst().orElseThrow();
            assertEquals(List.of(2009L, 32L), out.shape());
        }
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, ModelDirectory.open(dir).config());
        assertEquals(2002, c.imageTokenId(), "<IMG_CONTEXT> is tokenizer_config.json's id 2002");
        assertEquals(4, c.numImageToken());
        assertEquals(16, TinyModels.InternVLSpec.teacher().imageTokensPerTile());
        try (Model m = Models.load(dir, ComputePolicy.of(Map.of("dtype", "fp32")))) {
            assertEquals(InternVLChatConfig.MODEL_TYPE, m.config().modelType());
        }
    }

    @Test
    void qwen2VariantHasLmHeadAndAWordLevelTokenizer(@TempDir Path tmp) throws Exception {
        TinyModels.InternVLSpec spec = TinyModels.InternVLSpec.student().withDecoder(TinyModels.InternVLSpec.QWEN2);
        List<String> words = List.of("what", "color", "red", "?");
        Path dir = TinyModels.internvl(tmp.resolve("q"), seed, spec, words);
        Set<String> names = tensorNames(dir);
        assertTrue(names.contains("language_model.lm_head.weight"), names.toString());
        assertTrue(names.contains("language_model.model.embed_tokens.weight"), names.toString());
        assertTrue(names.contains("language_model.model.layers.0.self_attn.q_proj.bias"), names.toString());
        assertFalse(names.contains("language_model.output.weight"));
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals("Hermes-2", config.path("template").asText());
        // 4 Qwen2 specials + InternVL's 9 + system/user/assistant + the 4 words
        assertEquals(4 + 9 + 3 + 4, config.at("/llm_config/vocab_size").asInt());
        assertEquals(TinyModels.internvlVocabSize(spec, words), config.at("/llm_config/vocab_size").asInt());
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, ModelDirectory.open(dir).config());
        assertEquals(TinyModels.INTERNVL_QWEN2_SPECIAL.indexOf("<IMG_CONTEXT>"), c.imageTokenId());
        try (Model m = Models.load(dir, ComputePolicy.of(Map.of("dtype", "fp32")))) {
            assertEquals(InternVLChatConfig.MODEL_TYPE, m.config().modelType());
        }
    }

    private static Set<String> tensorNames(Path dir) throws Exception {
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            return new TreeSet<>(c.names());
        }
    }
}
