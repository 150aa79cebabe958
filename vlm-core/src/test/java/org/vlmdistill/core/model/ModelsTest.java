package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Open → model_type → registry → build → weights by name; save → reload, through a test family. */
class ModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final long seed = System.nanoTime();
    private final ComputePolicy fp32 = ComputePolicy.of(Map.of("dtype", "fp32"));

    static ObjectNode llamaConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "llama");
        c.put("vocab_size", 11);
        c.put("hidden_size", 8);
        c.put("intermediate_size", 16);
        c.put("num_hidden_layers", 1);
        c.put("num_attention_heads", 2);
        c.put("num_key_value_heads", 2);
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("custom_key_we_do_not_model", "kept");
        return c;
    }

    @Test
    void saveThenLoadGivesTheSameTensorsLogitsAndConfigKeys(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("saved");
        float[] before;
        try (Model m = Models.random(ModelDirectory.of(llamaConfig(), null), fp32, seed);
             NDManager scratch = NDManager.newBaseManager()) {
            before = logits((CausalLanguageModel) m, scratch);
            ModelWriter.save(m, out);
        }
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(out)) {
            assertEquals(Set.of("model.embed_tokens.weight", "model.layers.0.mlp.down_proj.weight", "lm_head.weight"),
                    ckpt.names());
        }
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("kept", config.get("custom_key_we_do_not_model").asText());
        assertEquals("float32", config.get("torch_dtype").asText());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText());
        String text = Files.readString(out.resolve("config.json"));
        assertTrue(text.startsWith("{\n  \"architectures\": [\n    \"LlamaForCausalLM\"\n  ],\n"), text);
        try (Model m = Models.load(out, fp32); NDManager scratch = NDManager.newBaseManager()) {
            assertArrayEquals(before, logits((CausalLanguageModel) m, scratch), "seed " + seed);
            assertEquals(List.of("text", "lm_head"), List.copyOf(m.components().keySet()));
            long sum = m.components().values().stream().mapToLong(Parameters::elements).sum();
            assertEquals(m.parameters().elements(), sum);
            assertEquals(11 * 8 + 8 * 8 + 8 * 11, sum);
        }
    }

    @Test
    void savingCopiesCompanionFilesAndReplacesAnOldDirectoryWhole(@TempDir Path tmp) throws IOException {
        Path src = tmp.resolve("src");
        try (Model m = Models.random(ModelDirectory.of(llamaConfig(), null), fp32, seed)) {
            ModelWriter.save(m, src);
        }
        Files.writeString(src.resolve("tokenizer.json"), "{\"model\": {}}");
        Files.writeString(src.resolve("notes.txt"), "not a model file");
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("stale.safetensors"), "old");
        try (Model m = Models.load(src, fp32)) {
            ModelWriter.save(m, out, Optional.of(DType.F16), 200);
        }
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        assertFalse(Files.exists(out.resolve("notes.txt")));
        assertFalse(Files.exists(out.resolve("stale.safetensors")), "the old directory is replaced whole");
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors.index.json")), "200-byte shards");
        assertEquals("float16", JSON.readTree(out.resolve("config.json").toFile()).get("torch_dtype").asText());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of("out", "src"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging directories left behind");
        }
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(out)) {
            assertEquals(DType.F16, ckpt.tensor("lm_head.weight").dtype());
        }
    }

    @Test
    void aMissingTensorNamesItAndNothingIsBuilt(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        try (Model m = Models.random(ModelDirectory.of(llamaConfig(), null), fp32, seed)) {
            ModelWriter.save(m, dir);
        }
        ObjectNode bigger = llamaConfig();
        bigger.put("hidden_size", 12);
        Files.writeString(dir.resolve("config.json"), bigger.toPrettyString());
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> Models.load(dir, fp32));
        assertEquals(3, e.misshapen().size(), e.getMessage());
        assertTrue(e.getMessage().contains("model.embed_tokens.weight: expected shape [11, 12], found [11, 8]"),
                e.getMessage());
    }

    @Test
    void aStructureReadsNoDataButChecksAndCountsEveryTensor(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        try (Model m = Models.random(ModelDirectory.of(llamaConfig(), null), fp32, seed)) {
            ModelWriter.save(m, dir, Optional.of(DType.F16), ModelWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        try (Model s = Models.structure(ModelDirectory.open(dir), fp32)) {
            assertEquals(11 * 8 + 8 * 8 + 8 * 11, s.parameters().elements());
            for (Parameter p : s.parameters().list()) {
                assertEquals(0f, p.array().abs().max().getFloat(), p.name() + " holds no data");
            }
        }
        ObjectNode other = llamaConfig();
        other.put("vocab_size", 12);
        Files.writeString(dir.resolve("config.json"), other.toPrettyString());
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class,
                () -> Models.structure(ModelDirectory.open(dir), fp32));
        assertEquals(2, e.misshapen().size(), e.getMessage());
    }

    @Test
    void anUnsupportedModelTypeListsTheSupportedOnes() {
        ObjectNode qwen = llamaConfig();
        qwen.put("model_type", "qwen2");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> Models.random(ModelDirectory.of(qwen, null), fp32, seed));
        assertTrue(e.getMessage().contains("\"qwen2\"") && e.getMessage().contains("supported: llama"),
                e.getMessage());
    }

    private float[] logits(CausalLanguageModel m, NDManager scratch) {
        NDArray ids = scratch.create(new long[] {1, 5, 10, 0, 3}).reshape(1, 5);
        return m.forward(ids, null, null).logits().toFloatArray();
    }
}
