package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vlmd inspect} on a tiny SmolVLM-shaped directory with real tensor names. */
class InspectCommandTest {

    static TensorData zeros(String name, DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return TensorData.of(name, dtype, shape, new byte[(int) (n * dtype.byteSize())]);
    }

    @Test
    void summarisesConfigWeightsAndFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "idefics3", "torch_dtype": "bfloat16", "image_token_id": 99, "scale_factor": 2,
                 "vision_config": {"model_type": "idefics3_vision", "hidden_size": 32, "intermediate_size": 64,
                   "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 64, "patch_size": 16},
                 "text_config": {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64,
                   "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100}}
                """);
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                zeros("model.vision_model.embeddings.patch_embedding.weight", DType.BF16, 32, 3, 16, 16),
                zeros("model.connector.modality_projection.proj.weight", DType.BF16, 32, 128),
                zeros("model.text_model.embed_tokens.weight", DType.BF16, 100, 32),
                zeros("model.text_model.layers.0.self_attn.q_proj.weight", DType.BF16, 32, 32),
                zeros("lm_head.weight", DType.F32, 100, 32)), Map.of("format", "pt"));

        CliRun r = CliRun.run("inspect", "--model", dir.toString(), "--tensors");
        // five tensors of a model that has many more: the files are summarised, and the model does not
        // load, which is the caller's to fix (exit 2, as every command that opens it)
        assertEquals(2, r.code(), r.err());
        assertTrue(r.out().contains("model: does not load:"), r.out());
        assertTrue(r.out().contains("missing:") && r.out().contains("model.vision_model.post_layernorm.weight")
                && r.out().contains("model.text_model.norm.weight"), r.out());
        String out = r.out();
        assertTrue(out.contains("config: model_type idefics3, torch_dtype bfloat16"), out);
        assertTrue(out.contains("text:   llama hidden 32, layers 1, heads 4 (kv 2), head_dim 8"), out);
        assertTrue(out.contains("vision: idefics3_vision hidden 32, layers 1, heads 2, image 64, patch 16 (16 patches)"), out);
        long vision = 32 * 3 * 16 * 16;
        long total = vision + 32 * 128 + 100 * 32 + 32 * 32 + 100 * 32;
        assertTrue(out.contains("weights: 1 file(s), 5 tensors, %,d parameters".formatted(total)), out);
        assertTrue(out.matches("(?s).*model\\.vision_model\\s+1 tensors\\s+%,d parameters.*".formatted(vision)), out);
        assertTrue(out.matches("(?s).*model\\.text_model\\s+2 tensors\\s+%,d parameters.*".formatted(100 * 32 + 32 * 32)), out);
        assertTrue(out.matches("(?s).*BF16\\s+4 tensors.*"), out);
        assertTrue(out.contains("model.connector.modality_projection.proj.weight"), out);
        assertTrue(out.matches("(?s).*tokenizer\\.json:\\s+present.*"), out);
        assertTrue(out.matches("(?s).*preprocessor_config\\.json:\\s+absent.*"), out);
    }

    /**
     * An internvl_chat directory as OpenGVLab ships its weights, without tokenizer files: the config reads
     * (the {@code <IMG_CONTEXT>} id unknown), the family builds it, and its parameters are every tensor.
     */
    @Test
    void internVLChatWithoutTokenizerFiles(@TempDir Path dir) throws Exception {
        String config = """
                {"model_type": "internvl_chat", "ps_version": "v2", "force_image_size": 28, "template": "Hermes-2",
                 "vision_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
                   "num_attention_heads": 2, "image_size": 28, "patch_size": 14, "norm_type": "layer_norm",
                   "qkv_bias": true, "qk_normalization": false},
                 "llm_config": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 32,
                   "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                   "num_key_value_heads": 1, "vocab_size": 100}}""";
        Path model = dir.resolve("internvl");
        try (Model m = Models.random(ModelDirectory.of(new ObjectMapper().readTree(config), null),
                ComputePolicy.of(Map.of("dtype", "fp32")), 7)) {
            ModelWriter.save(m, model);
        }
        long inFiles;
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(model)) {
            inFiles = c.tensors().stream().mapToLong(TensorInfo::numElements).sum();
        }
        CliRun r = CliRun.run("inspect", "--model", model.toString());
        String out = r.out();
        assertEquals(0, r.code(), r.err() + out);
        assertTrue(out.contains("family: internvl_chat (InternVLFamily)"), out);
        assertTrue(out.contains("  text:   qwen2 hidden 32, layers 1, heads 2 (kv 1)"), out);
        assertTrue(out.contains("  vision: intern_vit_6b hidden 16, layers 2, heads 2, image 28, patch 14 (4 patches)"), out);
        assertTrue(out.contains("image token id unknown (it comes from tokenizer files, and the directory has none)"), out);
        assertTrue(out.contains("total") && out.contains("%,d parameters".formatted(inFiles)), out);
        assertTrue(out.contains("check: components %,d + tensors that are not parameters 0 = %,d in the files: equal"
                .formatted(inFiles, inFiles)), out);
        // 28 / 14 = 2 patches per side, pixel shuffle by 2: one token per tile
        assertTrue(out.contains("image tokens per image (<IMG_CONTEXT>): 28x28 -> 1;"), out);
    }

    @Test
    void aBadConfigExitsTwoNamingFileAndField(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": 30, "num_attention_heads": 4}""");
        CliRun r = CliRun.run("inspect", "--model", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("config.json") && r.err().contains("num_attention_heads"), r.err());
    }

    @Test
    void componentsFollowHfPrefixes() {
        assertEquals("model.vision_model", InspectCommand.component("model.vision_model.encoder.layers.0.mlp.fc1.weight"));
        assertEquals("model.layers", InspectCommand.component("model.layers.3.self_attn.q_proj.weight"));
        assertEquals("lm_head", InspectCommand.component("lm_head.weight"));
        assertEquals("multi_modal_projector", InspectCommand.component("multi_modal_projector.linear_1.weight"));
        assertEquals("language_model.model", InspectCommand.component("language_model.model.layers.0.mlp.up_proj.weight"));
    }
}
