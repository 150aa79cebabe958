package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.model.ModelOutput;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.vision.Npy;
import org.vlmdistill.vision.Parity;
import org.vlmdistill.vision.Tiny;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * transformers' {@code internvl} layout (the InternVL3-*-hf checkpoints) of the reference's tiny Qwen2 case:
 * its tensors renamed and the tower's packed {@code attn.qkv} split as transformers'
 * convert_internvl_weights_to_hf.py does (rows [0, D) q, [D, 2D) k, [2D, 3D) v), with an {@code internvl}
 * config.json. Loaded into the same classes it must give the reference's outputs, and save back under
 * transformers' names.
 */
class InternVLHfLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOLERANCE = 5e-6;
    private final NDManager manager = NDManager.newBaseManager();

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        manager.close();
    }

    /** OpenGVLab's name to transformers' (the qkv split is done by the caller). */
    static String hfName(String name) {
        if (name.startsWith("language_model.model.")) {
            return "model.language_model." + name.substring("language_model.model.".length());
        }
        if (name.startsWith("language_model.lm_head.")) {
            return name.substring("language_model.".length());
        }
        if (name.startsWith("mlp1.")) {
            return "model.multi_modal_projector." + name.substring("mlp1.".length())
                    .replaceFirst("^0\\.", "layer_norm.").replaceFirst("^1\\.", "linear_1.")
                    .replaceFirst("^3\\.", "linear_2.");
        }
        return "model.vision_tower." + name.substring("vision_model.".length())
                .replace("embeddings.class_embedding", "embeddings.cls_token")
                .replace("embeddings.patch_embedding.", "embeddings.patch_embeddings.projection.")
                .replace("embeddings.position_embedding", "embeddings.position_embeddings")
                .replace("encoder.layers.", "encoder.layer.")
                .replace(".attn.proj.", ".attention.projection_layer.")
                .replace(".ls1", ".lambda_1").replace(".ls2", ".lambda_2")
                .replace(".norm1.", ".layernorm_before.").replace(".norm2.", ".layernorm_after.");
    }

    /** The qwen2 case's model directory in transformers' layout. */
    private Path convert() throws IOException {
        Path from = InternVLParityTest.caseDir("qwen2_1tile").resolve("model");
        Path to = tmp.resolve("internvl-hf");
        Files.createDirectories(to);
        ObjectNode chat = (ObjectNode) JSON.readTree(from.resolve("config.json").toFile());
        ObjectNode v = (ObjectNode) chat.get("vision_config");
        ObjectNode vision = JSON.createObjectNode();
        vision.put("model_type", "internvl_vision");
        for (String k : List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                "num_channels", "hidden_act", "layer_norm_eps", "norm_type", "initializer_range")) {
            vision.set(k, v.get(k));
        }
        vision.putArray("image_size").add(v.get("image_size").asInt()).add(v.get("image_size").asInt());
        vision.putArray("patch_size").add(v.get("patch_size").asInt()).add(v.get("patch_size").asInt());
        vision.set("attention_bias", v.get("qkv_bias"));
        vision.set("use_qk_norm", v.get("qk_normalization"));
        vision.set("layer_scale_init_value", v.get("initializer_factor"));
        vision.put("use_mean_pooling", true);
        ObjectNode text = ((ObjectNode) chat.get("llm_config")).deepCopy();
        text.remove("architectures");
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "internvl");
        config.putArray("architectures").add("InternVLForConditionalGeneration");
        config.set("vision_config", vision);
        config.set("text_config", text);
        config.put("image_token_id", 152);
        config.put("image_seq_length", 4);
        config.set("downsample_ratio", chat.get("downsample_ratio"));
        config.put("projector_hidden_act", "gelu");
        config.put("vision_feature_layer", -1);
        config.put("vision_feature_select_strategy", "default");
        config.put("torch_dtype", "float32");
        Files.writeString(to.resolve("config.json"), config.toPrettyString());
        int d = v.get("hidden_size").asInt();
        List<TensorData> out = new ArrayList<>();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(from)) {
            for (TensorInfo t : c.tensors()) {
                MemorySegment data = c.data(t);
                String name = hfName(t.name());
                if (t.name().contains(".attn.qkv.")) {
                    // [3D, ...] rows: q, k, v
                    long rowBytes = data.byteSize() / (3L * d);
                    long[] shape = t.shapeArray().clone();
                    shape[0] = d;
                    for (int i = 0; i < 3; i++) {
                        String part = name.replace(".attn.qkv.", ".attention." + "qkv".charAt(i) + "_proj.");
                        out.add(new TensorData(part, t.dtype(), shape, data.asSlice(i * d * rowBytes, d * rowBytes)));
                    }
                } else {
                    out.add(new TensorData(name, t.dtype(), t.shapeArray(), data));
                }
            }
            SafetensorsWriter.write(to.resolve(SafetensorsCheckpoint.SINGLE_FILE), out, Map.of("format", "pt"));
        }
        return to;
    }

    @Test
    void transformersLayoutGivesTheReferenceOutputsAndSavesBackInItsLayout() throws IOException {
        Path dir = InternVLParityTest.caseDir("qwen2_1tile");
        Path hf = convert();
        NDArray ids = Npy.read(manager, dir.resolve("input_ids.npy"));
        NDArray pixels = Npy.read(manager, dir.resolve("pixel_values.npy"));
        long[] valid = Npy.read(manager, dir.resolve("valid.npy")).toLongArray();
        float[] logits;
        try (VisionLanguageModel m = assertInstanceOf(VisionLanguageModel.class, Models.load(hf, Tiny.fp32()))) {
            InternVLChatConfig config = assertInstanceOf(InternVLChatConfig.class, m.config());
            assertEquals("internvl", config.modelType());
            assertEquals(152, config.imageTokenId());
            assertEquals(List.of("vision", "connector", "text", "lm_head"), List.copyOf(m.components().keySet()));
            assertEquals(List.of("lm_head.weight"), m.components().get("lm_head").list().stream()
                    .map(p -> p.name()).toList());
            NDArray features = m.imageFeatures(pixels);
            Parity.assertClose("internvl-hf-layout", "qwen2_1tile", "bridge", "vit_embeds (mlp1)", features,
                    Npy.read(manager, dir.resolve("expected_vit_embeds.npy")), null, TOLERANCE);
            ModelOutput out = m.forward(ids, pixels, null, null);
            Parity.assertClose("internvl-hf-layout", "qwen2_1tile", "bridge", "logits", out.logits(),
                    Npy.read(manager, dir.resolve("expected_logits.npy")), valid, TOLERANCE);
            logits = out.logits().toFloatArray();
            try (VisionLanguageModel chat = assertInstanceOf(VisionLanguageModel.class,
                    Models.load(dir.resolve("model"), Tiny.fp32()))) {
                assertEquals(0.0, Tiny.maxAbsDiff(logits, chat.forward(ids, pixels, null, null).logits()
                        .toFloatArray()), 1e-6, "the same model in either layout");
            }
            Path saved = tmp.resolve("saved");
            ModelWriter.save(m, saved);
            try (SafetensorsCheckpoint before = SafetensorsCheckpoint.open(hf);
                 SafetensorsCheckpoint after = SafetensorsCheckpoint.open(saved)) {
                assertEquals(before.names(), after.names());
                Set<String> names = after.names();
                assertTrue(names.contains("model.vision_tower.encoder.layer.0.attention.q_proj.weight"), names.toString());
                assertTrue(names.contains("model.vision_tower.encoder.layer.2.lambda_2"), names.toString());
                assertTrue(names.contains("model.multi_modal_projector.linear_2.bias"), names.toString());
                assertFalse(names.stream().anyMatch(n -> n.startsWith("vision_model.") || n.contains("attn.qkv")));
            }
            assertEquals("internvl", JSON.readTree(saved.resolve("config.json").toFile()).get("model_type").asText());
        }
        try (VisionLanguageModel back = assertInstanceOf(VisionLanguageModel.class,
                Models.load(tmp.resolve("saved"), Tiny.fp32()))) {
            assertEquals(0.0, Tiny.maxAbsDiff(logits, back.forward(ids, pixels, null, null).logits().toFloatArray()), 0);
        }
    }
}
