package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixtures shaped like real checkpoints: what they say, and the HF defaults for what they omit. */
class RealConfigsTest {

    @Test
    void smolLm2_135m() {
        LlamaConfig c = Fixtures.read("SmolLM2-135M", LlamaConfig.class);
        assertEquals("llama", c.modelType());
        assertEquals(49152, c.vocabSize());
        assertEquals(576, c.hiddenSize());
        assertEquals(1536, c.intermediateSize());
        assertEquals(30, c.numHiddenLayers());
        assertEquals(9, c.numAttentionHeads());
        assertEquals(3, c.numKeyValueHeads());
        assertEquals(64, c.headDim(), "576 / 9, no head_dim in the file");
        assertEquals("silu", c.hiddenAct());
        assertEquals(8192, c.maxPositionEmbeddings());
        assertEquals(0.041666666666666664, c.initializerRange());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(100000.0, c.ropeTheta(), "written as the int 100000");
        assertEquals(Optional.empty(), c.ropeScaling(), "rope_scaling: null");
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.attentionBias());
        assertFalse(c.mlpBias());
        assertFalse(c.qkvBias());
        assertEquals(OptionalInt.of(0), c.bosTokenId());
        assertEquals(List.of(0), c.eosTokenId());
        assertEquals(OptionalInt.empty(), c.padTokenId());
        assertEquals(Optional.of("bfloat16"), c.torchDtype());
        assertEquals(Set.of("architectures", "is_llama_config", "pretraining_tp", "rope_interleaved",
                "transformers_version", "use_cache"), c.extra().keys());
        assertEquals(Optional.of(new TextNode("4.40.1")), c.extra().get("transformers_version"));
    }

    @Test
    void qwen2_05bInstruct() {
        Qwen2Config c = Fixtures.read("Qwen2-0.5B-Instruct", Qwen2Config.class);
        assertEquals("qwen2", c.modelType());
        assertEquals(151936, c.vocabSize());
        assertEquals(896, c.hiddenSize());
        assertEquals(4864, c.intermediateSize());
        assertEquals(24, c.numHiddenLayers());
        assertEquals(14, c.numAttentionHeads());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(64, c.headDim());
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(1_000_000.0, c.ropeTheta());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.useSlidingWindow());
        assertEquals(OptionalInt.of(32768), c.slidingWindow());
        assertEquals(OptionalInt.empty(), c.effectiveSlidingWindow());
        assertEquals(24, c.maxWindowLayers());
        assertEquals(24, c.layerTypes().size());
        assertTrue(c.layerTypes().stream().allMatch(Qwen2Config.FULL_ATTENTION::equals));
        assertEquals(OptionalInt.of(151643), c.bosTokenId());
        assertEquals(List.of(151645), c.eosTokenId());
        assertTrue(c.qkvBias(), "Qwen2Attention: q/k/v bias=True");
        assertFalse(c.oProjBias());
        assertFalse(c.mlpBias());
        assertEquals(Set.of("architectures", "transformers_version", "use_cache"), c.extra().keys());
    }

    @Test
    void qwen25_05b() {
        Qwen2Config c = Fixtures.read("Qwen2.5-0.5B", Qwen2Config.class);
        assertEquals(896, c.hiddenSize());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(14, c.numAttentionHeads());
        assertEquals(151936, c.vocabSize());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(List.of(151643), c.eosTokenId());
        assertEquals(Optional.of(BooleanNode.FALSE), c.extra().get("use_mrope"));
        assertEquals(Set.of("architectures", "transformers_version", "use_cache", "use_mrope"), c.extra().keys());
    }

    @Test
    void llama32_1bInstruct() {
        LlamaConfig c = Fixtures.read("Llama-3.2-1B-Instruct", LlamaConfig.class);
        assertEquals(128256, c.vocabSize());
        assertEquals(2048, c.hiddenSize());
        assertEquals(8192, c.intermediateSize());
        assertEquals(16, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(64, c.headDim());
        assertEquals(131072, c.maxPositionEmbeddings());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(1e-5, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(OptionalInt.of(128000), c.bosTokenId());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenId());
        RopeScaling rope = c.ropeScaling().orElseThrow();
        assertEquals("llama3", rope.ropeType());
        assertEquals(OptionalDouble.of(32.0), rope.factor());
        assertEquals(OptionalDouble.of(1.0), rope.lowFreqFactor());
        assertEquals(OptionalDouble.of(4.0), rope.highFreqFactor());
        assertEquals(OptionalInt.of(8192), rope.originalMaxPositionEmbeddings());
        assertTrue(rope.extra().isEmpty());
    }

    @Test
    void siglipBasePatch16_224Vision() {
        SiglipVisionConfig c = Fixtures.read("siglip-base-patch16-224-vision", SiglipVisionConfig.class);
        assertEquals("siglip_vision_model", c.modelType());
        assertEquals(768, c.hiddenSize());
        assertEquals(3072, c.intermediateSize());
        assertEquals(12, c.numAttentionHeads());
        assertEquals(224, c.imageSize());
        assertEquals(16, c.patchSize());
        // SiglipVisionConfig defaults for what the file omits:
        assertEquals(12, c.numHiddenLayers());
        assertEquals(3, c.numChannels());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(1e-6, c.layerNormEps());
        assertEquals(0.0, c.attentionDropout());
        assertEquals(14, c.patchesPerSide());
        assertEquals(196, c.numPatches());
        assertEquals(64, c.headDim());
        assertEquals(Optional.empty(), c.torchDtype());
        assertTrue(c.extra().isEmpty());
    }

    @Test
    void clipVitLargePatch14_336Vision() {
        ClipVisionConfig c = Fixtures.read("clip-vit-large-patch14-336-vision", ClipVisionConfig.class);
        assertEquals("clip_vision_model", c.modelType());
        assertEquals(1024, c.hiddenSize());
        assertEquals(4096, c.intermediateSize());
        assertEquals(768, c.projectionDim());
        assertEquals(24, c.numHiddenLayers());
        assertEquals(16, c.numAttentionHeads());
        assertEquals(336, c.imageSize());
        assertEquals(14, c.patchSize());
        assertEquals("quick_gelu", c.hiddenAct());
        assertEquals(1e-5, c.layerNormEps());
        assertEquals(3, c.numChannels(), "CLIPVisionConfig default; the 4.21 file has no num_channels");
        assertEquals(576, c.numPatches());
        assertEquals(Optional.empty(), c.torchDtype(), "torch_dtype: null");
        // The PretrainedConfig generation fields of old transformers are extras, nulls included.
        assertTrue(c.extra().contains("bos_token_id"));
        assertTrue(c.extra().get("bos_token_id").orElseThrow().isNull());
        assertEquals(Optional.of(IntNode.valueOf(50)), c.extra().get("top_k"));
        assertTrue(c.extra().get("id2label").orElseThrow().isObject());
        assertTrue(c.extra().get("pruned_heads").orElseThrow().isEmpty());
        assertFalse(c.extra().contains("hidden_size"));
        assertFalse(c.extra().contains("model_type"));
        assertFalse(c.extra().contains("torch_dtype"));
    }

    @Test
    void smolVlm256mInstruct() {
        Idefics3Config c = Fixtures.read("SmolVLM-256M-Instruct", Idefics3Config.class);
        assertEquals("idefics3", c.modelType());
        assertEquals(49190, c.imageTokenId());
        assertEquals(4, c.scaleFactor());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(OptionalInt.of(128002), c.padTokenId(), "Idefics3Config default; the file has none");
        assertEquals(Optional.of("bfloat16"), c.torchDtype());

        LlamaConfig text = assertInstanceOf(LlamaConfig.class, c.textConfig());
        assertEquals(576, text.hiddenSize());
        assertEquals(1536, text.intermediateSize());
        assertEquals(30, text.numHiddenLayers());
        assertEquals(9, text.numAttentionHeads());
        assertEquals(3, text.numKeyValueHeads());
        assertEquals(64, text.headDim());
        assertEquals(49280, text.vocabSize());
        assertEquals(8192, text.maxPositionEmbeddings());
        assertEquals(100000.0, text.ropeTheta());
        assertEquals(1e-5, text.rmsNormEps());
        assertEquals(OptionalInt.of(2), text.padTokenId());
        // LlamaConfig defaults, not the tokenizer's: the file leaves them out.
        assertEquals(OptionalInt.of(1), text.bosTokenId());
        assertEquals(List.of(2), text.eosTokenId());
        assertFalse(text.tieWordEmbeddings());
        assertTrue(text.extra().contains("perceiver_config"));
        assertTrue(text.extra().contains("transformers.js_config"));

        SiglipVisionConfig vision = c.visionConfig();
        assertEquals("idefics3_vision", vision.modelType());
        assertEquals(768, vision.hiddenSize());
        assertEquals(3072, vision.intermediateSize());
        assertEquals(12, vision.numAttentionHeads());
        assertEquals(512, vision.imageSize());
        assertEquals(16, vision.patchSize());
        // Idefics3VisionConfig defaults for what the file omits:
        assertEquals(12, vision.numHiddenLayers());
        assertEquals(3, vision.numChannels());
        assertEquals("gelu_pytorch_tanh", vision.hiddenAct());
        assertEquals(1e-6, vision.layerNormEps());
        assertEquals(Set.of("max_image_size", "size", "tie_word_embeddings", "use_base_siglip"),
                vision.extra().keys());

        assertEquals(32, vision.patchesPerSide());
        assertEquals(64, c.imageSeqLength(), "(512 / 16 / 4)^2 tokens per image tile");
        assertEquals(Set.of("architectures", "transformers.js_config", "transformers_version", "use_cache",
                "vocab_size"), c.extra().keys());
    }

    @Test
    void llava15_7b() {
        LlavaConfig c = Fixtures.read("llava-1.5-7b-hf", LlavaConfig.class);
        assertEquals("llava", c.modelType());
        assertEquals(32000, c.imageTokenIndex());
        assertEquals(32000, c.imageTokenId());
        assertEquals("gelu", c.projectorHiddenAct());
        assertEquals(List.of(-2), c.visionFeatureLayer());
        assertEquals("default", c.visionFeatureSelectStrategy());
        assertEquals(576, c.imageSeqLength(), "LlavaConfig default");
        assertTrue(c.multimodalProjectorBias(), "LlavaConfig default");
        assertFalse(c.tieWordEmbeddings());
        assertEquals(Optional.of("float16"), c.torchDtype());
        assertEquals(Set.of("architectures", "ignore_index", "pad_token_id", "transformers_version", "vocab_size"),
                c.extra().keys());

        // text_config names only a few fields; the rest are LlamaConfig defaults (Llama-2-7B).
        LlamaConfig text = assertInstanceOf(LlamaConfig.class, c.textConfig());
        assertEquals(32064, text.vocabSize());
        assertEquals(4096, text.maxPositionEmbeddings());
        assertEquals(1e-5, text.rmsNormEps());
        assertEquals(Optional.of("float16"), text.torchDtype());
        assertEquals(4096, text.hiddenSize());
        assertEquals(11008, text.intermediateSize());
        assertEquals(32, text.numHiddenLayers());
        assertEquals(32, text.numAttentionHeads());
        assertEquals(32, text.numKeyValueHeads());
        assertEquals(128, text.headDim());
        assertEquals(10000.0, text.ropeTheta());
        assertEquals(OptionalInt.of(1), text.bosTokenId());
        assertEquals(List.of(2), text.eosTokenId());
        assertEquals(Set.of("_name_or_path", "architectures"), text.extra().keys());
        assertEquals(Optional.of(new TextNode("lmsys/vicuna-7b-v1.5")), text.extra().get("_name_or_path"),
                "kept as a string, never resolved as a path");

        ClipVisionConfig vision = assertInstanceOf(ClipVisionConfig.class, c.visionConfig());
        assertEquals(1024, vision.hiddenSize());
        assertEquals(24, vision.numHiddenLayers());
        assertEquals(336, vision.imageSize());
        assertEquals(14, vision.patchSize());
        assertEquals(768, vision.projectionDim());
        assertEquals("quick_gelu", vision.hiddenAct());
        assertEquals(1e-5, vision.layerNormEps());
        assertEquals(576, vision.numPatches());
        assertEquals(Set.of("vocab_size"), vision.extra().keys());
    }

    @Test
    void llavaOnevisionQwen2Style() {
        LlavaConfig c = Fixtures.read("llava-onevision-qwen2-0.5b-ov-style", LlavaConfig.class);
        assertEquals(151646, c.imageTokenIndex());
        assertEquals(List.of(-1), c.visionFeatureLayer());
        assertEquals("full", c.visionFeatureSelectStrategy());
        assertTrue(c.tieWordEmbeddings(), "LlavaConfig takes tie_word_embeddings from text_config");
        assertEquals(Set.of("architectures", "image_grid_pinpoints", "transformers_version",
                "use_image_newline_parameter", "video_token_index", "vision_aspect_ratio"), c.extra().keys());

        Qwen2Config text = assertInstanceOf(Qwen2Config.class, c.textConfig());
        assertEquals(152000, text.vocabSize());
        assertEquals(896, text.hiddenSize());
        assertEquals(14, text.numAttentionHeads());
        assertEquals(2, text.numKeyValueHeads());
        assertEquals(24, text.numHiddenLayers());
        assertTrue(text.tieWordEmbeddings());
        assertEquals(1e-6, text.rmsNormEps(), "Qwen2Config default");
        assertEquals(List.of(151645), text.eosTokenId());

        SiglipVisionConfig vision = assertInstanceOf(SiglipVisionConfig.class, c.visionConfig());
        assertEquals("siglip_vision_model", vision.modelType());
        assertEquals(1152, vision.hiddenSize());
        assertEquals(4304, vision.intermediateSize());
        assertEquals(26, vision.numHiddenLayers());
        assertEquals(16, vision.numAttentionHeads());
        assertEquals(72, vision.headDim());
        assertEquals(384, vision.imageSize());
        assertEquals(14, vision.patchSize());
        assertEquals(27, vision.patchesPerSide(), "384 = 27 * 14 + 6; the conv drops the rest");
        assertEquals(729, vision.numPatches());
        assertEquals(Set.of("vision_use_head"), vision.extra().keys());
    }

    @Test
    void sealedHierarchyCoversEveryFixture() {
        for (String name : List.of("SmolLM2-135M", "Qwen2-0.5B-Instruct", "Qwen2.5-0.5B", "Llama-3.2-1B-Instruct",
                "siglip-base-patch16-224-vision", "clip-vit-large-patch14-336-vision", "SmolVLM-256M-Instruct",
                "llava-1.5-7b-hf", "llava-onevision-qwen2-0.5b-ov-style")) {
            ModelConfig config = HfConfigs.read(Fixtures.dir(name));
            String kind = switch (config) {
                case TextConfig t -> "text " + t.hiddenSize();
                case VisionConfig v -> "vision " + v.numPatches();
                case VisionLanguageConfig vl -> "vlm " + vl.imageTokenId();
            };
            assertFalse(kind.isEmpty());
            assertEquals(config, HfConfigs.read(Fixtures.dir(name).resolve("config.json")),
                    "a directory and its config.json read the same");
        }
    }
}
