package org.vlmdistill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SaveReloadTest {

    static Stream<Arguments> configs() {
        return Stream.of(Arguments.of("llama untied", Tiny.llama()), Arguments.of("llama tied", Tiny.llamaTied()),
                Arguments.of("qwen2", Tiny.qwen2()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void saveThenLoadGivesTheSameLogitsAndHfNames(String name, ObjectNode config, @TempDir Path tmp) throws Exception {
        long seed = System.nanoTime();
        Path dir = tmp.resolve("model");
        boolean tied = config.get("tie_word_embeddings").asBoolean();
        boolean qwen = config.get("model_type").asText().equals("qwen2");
        try (CausalLanguageModel model = Tiny.random(config, Tiny.fp32(), seed);
             NDManager m = NDManager.newBaseManager()) {
            ModelWriter.save(model, dir);
            Set<String> saved;
            try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
                saved = Set.copyOf(ckpt.names());
            }
            for (String n : List.of("model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                    "model.layers.1.self_attn.k_proj.weight", "model.layers.1.self_attn.v_proj.weight",
                    "model.layers.0.self_attn.o_proj.weight", "model.layers.0.mlp.gate_proj.weight",
                    "model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight",
                    "model.layers.0.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight",
                    "model.norm.weight")) {
                assertTrue(saved.contains(n), name + ": " + n + " not saved; saved " + saved);
            }
            assertEquals(!tied, saved.contains("lm_head.weight"), name + ": lm_head.weight saved iff untied");
            assertEquals(qwen, saved.contains("model.layers.0.self_attn.q_proj.bias"), name + ": q_proj.bias");
            assertFalse(saved.contains("model.layers.0.self_attn.o_proj.bias"), name + ": o_proj has no bias");
            int layers = 2;
            int perLayer = 9 + (qwen ? 3 : 0);
            assertEquals(1 + layers * perLayer + 1 + (tied ? 0 : 1), saved.size(), name + ": " + saved);

            Parameters ps = model.parameters();
            long sum = model.components().values().stream().mapToLong(Parameters::elements).sum();
            assertEquals(ps.elements(), sum, "components cover every parameter once");
            assertEquals(Set.copyOf(ps.list().stream().map(Parameter::name).toList()), saved);

            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, 7);
            NDArray before = model.forward(ids, null, null).logits();
            try (CausalLanguageModel reloaded = (CausalLanguageModel) Models.load(dir, Tiny.fp32())) {
                assertEquals(ps.list().stream().map(Parameter::name).toList(),
                        reloaded.parameters().list().stream().map(Parameter::name).toList(), name + ": names and order");
                float diff = Tiny.maxAbsDiff(before, reloaded.forward(ids, null, null).logits());
                assertEquals(0f, diff, name + " (seed " + seed + "): reloaded logits differ by " + diff);
            }
        }
    }
}
