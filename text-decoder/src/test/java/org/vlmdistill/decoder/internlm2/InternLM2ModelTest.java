package org.vlmdistill.decoder.internlm2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.InternLM2Config;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.decoder.Tiny;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A text-only {@code InternLM2ForCausalLM} directory: registration, its names on save, a bad {@code wqkv}. */
class InternLM2ModelTest {

    @Test
    void registeredAsModelFamilyAndAsDecoder() {
        ModelFamilies families = ModelFamilies.installed();
        assertTrue(families.modelTypes().contains(InternLM2Config.MODEL_TYPE), families.modelTypes().toString());
        assertTrue(families.textModelTypes().contains(InternLM2Config.MODEL_TYPE), families.textModelTypes().toString());
    }

    /** Saving keeps InternLM2's names and the packed wqkv (with its bias); reloading gives the same logits. */
    @Test
    void saveThenLoadKeepsThePackedWqkvAndItsNames(@TempDir Path tmp) throws Exception {
        long seed = System.nanoTime();
        Path dir = tmp.resolve("model");
        try (CausalLanguageModel model = Tiny.random(Tiny.internlm2().put("bias", true), Tiny.fp32(), seed);
             NDManager m = NDManager.newBaseManager()) {
            ModelWriter.save(model, dir);
            Set<String> saved;
            try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
                saved = Set.copyOf(ckpt.names());
                // (4 heads + 2 * 2 kv heads) * head_dim 8 rows, hidden 32 columns
                assertEquals(List.of(64L, 32L), longs(ckpt.tensor("model.layers.0.attention.wqkv.weight").shapeArray()));
            }
            List<String> perLayer = List.of("attention.wqkv.weight", "attention.wqkv.bias", "attention.wo.weight",
                    "attention.wo.bias", "feed_forward.w1.weight", "feed_forward.w3.weight", "feed_forward.w2.weight",
                    "attention_norm.weight", "ffn_norm.weight");
            List<String> expected = new ArrayList<>(List.of("model.tok_embeddings.weight", "model.norm.weight",
                    "output.weight"));
            for (int layer = 0; layer < 2; layer++) {
                for (String n : perLayer) {
                    expected.add("model.layers." + layer + "." + n);
                }
            }
            assertEquals(Set.copyOf(expected), saved);
            Parameters ps = model.parameters();
            assertEquals(Set.of("output.weight"), Set.copyOf(model.components().get("lm_head").list().stream()
                    .map(Parameter::name).toList()), "the head component is output.weight");
            long sum = model.components().values().stream().mapToLong(Parameters::elements).sum();
            assertEquals(ps.elements(), sum, "components cover every parameter once");

            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, 7);
            NDArray before = model.forward(ids, null, null).logits();
            try (CausalLanguageModel reloaded = assertInstanceOf(CausalLanguageModel.class, Models.load(dir, Tiny.fp32()))) {
                assertInstanceOf(InternLM2Config.class, reloaded.config());
                assertEquals(ps.list().stream().map(Parameter::name).toList(),
                        reloaded.parameters().list().stream().map(Parameter::name).toList(), "names and order");
                float diff = Tiny.maxAbsDiff(before, reloaded.forward(ids, null, null).logits());
                assertEquals(0f, diff, "seed " + seed + ": reloaded logits differ by " + diff);
            }
        }
    }

    /** A wqkv whose rows are not (heads + 2 * kv_heads) * head_dim: the tensor and both shapes are named. */
    @Test
    void wqkvThatDoesNotFitTheHeadCountsIsNamedWithBothShapes(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        try (CausalLanguageModel model = Tiny.random(Tiny.internlm2(), Tiny.fp32(), 1)) {
            ModelWriter.save(model, dir);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("num_key_value_heads", 1); // wqkv must now have (4 + 2) * 8 = 48 rows; it has 64
        json.writeValue(dir.resolve("config.json").toFile(), config);
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> Models.load(dir, Tiny.fp32()));
        for (int layer = 0; layer < 2; layer++) {
            String line = "model.layers." + layer + ".attention.wqkv.weight: expected shape [48, 32], found [64, 32]";
            assertTrue(e.getMessage().contains(line), e.getMessage());
        }
        assertEquals(2, e.misshapen().size(), e.getMessage());
        assertTrue(e.missing().isEmpty() && e.unexpected().isEmpty(), e.getMessage());
    }

    @Test
    void aConfigWithoutBiasHasNoBiasTensors() {
        try (CausalLanguageModel model = Tiny.random(Tiny.internlm2(), Tiny.fp32(), 2)) {
            List<String> names = model.parameters().list().stream().map(Parameter::name).toList();
            assertFalse(names.stream().anyMatch(n -> n.endsWith(".bias")), names.toString());
            assertEquals(3 + 2 * 7, names.size(), names.toString());
        }
    }

    /** The packed split and the NTK rope in bf16 (through the bridge): logits within 5% of fp32's scale. */
    @Test
    void bf16ForwardAgreesWithFp32() {
        long seed = System.nanoTime();
        ComputePolicy bf16 = ComputePolicy.of(Map.of("dtype", "bf16", "ops", "bridge"));
        TorchOps ops = bf16.ops();
        ObjectNode config = Tiny.internlm2().put("max_position_embeddings", 6); // 9 tokens: NTK active
        try (CausalLanguageModel f = Tiny.random(config, Tiny.fp32(), seed);
             CausalLanguageModel b = Tiny.random(config, bf16, seed);
             NDManager m = NDManager.newBaseManager()) {
            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, 9);
            float[] x = f.forward(ids, null, null).logits().toFloatArray();
            NDArray logits = b.forward(ids, null, null).logits();
            assertEquals(DType.BF16, ops.dtypeOf(logits), "a bf16 model computes in bf16");
            float[] y = ops.cast(logits, DType.F32).toFloatArray();
            float maxAbs = 0;
            float maxDiff = 0;
            for (int i = 0; i < x.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(x[i]));
                maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
            }
            System.out.printf("internlm2 bf16 vs fp32 logits (seed %d): max |diff| %.4f, max |logit| %.3f%n", seed,
                    maxDiff, maxAbs);
            assertTrue(maxDiff <= 0.05 * maxAbs, "seed " + seed + ": bf16 logits off by " + maxDiff);
        }
    }

    private static List<Long> longs(long[] a) {
        List<Long> l = new ArrayList<>();
        for (long v : a) {
            l.add(v);
        }
        return l;
    }
}
