package org.vlmdistill.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A config that names only its model_type gets exactly transformers' defaults. The expected values
 * are restated here from the transformers sources, independently of the reader's code.
 */
class DefaultsTest {

    @Test
    void llamaConfigDefaults() {
        LlamaConfig c = assertInstanceOf(LlamaConfig.class, Json.parse("{'model_type': 'llama'}"));
        assertEquals(32000, c.vocabSize());
        assertEquals(4096, c.hiddenSize());
        assertEquals(11008, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(32, c.numKeyValueHeads(), "None -> num_attention_heads");
        assertEquals(128, c.headDim(), "None -> hidden_size // num_attention_heads");
        assertEquals("silu", c.hiddenAct());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(0.02, c.initializerRange());
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(Optional.empty(), c.ropeScaling());
        assertFalse(c.tieWordEmbeddings());
        assertFalse(c.attentionBias());
        assertFalse(c.mlpBias());
        assertEquals(0.0, c.attentionDropout());
        assertEquals(OptionalInt.empty(), c.padTokenId());
        assertEquals(OptionalInt.of(1), c.bosTokenId());
        assertEquals(List.of(2), c.eosTokenId());
        assertEquals(Optional.empty(), c.torchDtype());
        assertTrue(c.extra().isEmpty(), "model_type is modelled, not extra");
    }

    @Test
    void llamaKvHeadsFollowHeadsOnlyWhenAbsent() {
        LlamaConfig c = assertInstanceOf(LlamaConfig.class,
                Json.parse("{'model_type': 'llama', 'hidden_size': 512, 'num_attention_heads': 8}"));
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(64, c.headDim());
        LlamaConfig nulls = assertInstanceOf(LlamaConfig.class, Json.parse(
                "{'model_type': 'llama', 'num_key_value_heads': null, 'head_dim': null, 'eos_token_id': null}"));
        assertEquals(32, nulls.numKeyValueHeads());
        assertEquals(128, nulls.headDim());
        assertEquals(List.of(), nulls.eosTokenId(), "an explicit null is HF's None, not the default 2");
    }

    @Test
    void qwen2ConfigDefaults() {
        Qwen2Config c = assertInstanceOf(Qwen2Config.class, Json.parse("{'model_type': 'qwen2'}"));
        assertEquals(151936, c.vocabSize());
        assertEquals(4096, c.hiddenSize());
        assertEquals(22016, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(32, c.numKeyValueHeads());
        assertEquals(128, c.headDim());
        assertEquals("silu", c.hiddenAct());
        assertEquals(32768, c.maxPositionEmbeddings());
        assertEquals(0.02, c.initializerRange());
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertFalse(c.tieWordEmbeddings());
        assertFalse(c.useSlidingWindow());
        assertEquals(OptionalInt.of(4096), c.slidingWindow());
        assertEquals(OptionalInt.empty(), c.effectiveSlidingWindow());
        assertEquals(28, c.maxWindowLayers());
        assertEquals(0.0, c.attentionDropout());
        assertEquals(OptionalInt.empty(), c.bosTokenId());
        assertEquals(List.of(), c.eosTokenId());
        assertTrue(c.qkvBias());
        assertFalse(c.oProjBias());
        assertFalse(c.mlpBias());
    }

    @Test
    void qwen2KvHeadsDefaultTo32NotToHeads() {
        Qwen2Config c = assertInstanceOf(Qwen2Config.class,
                Json.parse("{'model_type': 'qwen2', 'num_attention_heads': 64, 'hidden_size': 8192}"));
        assertEquals(32, c.numKeyValueHeads());
        Qwen2Config nullKv = assertInstanceOf(Qwen2Config.class, Json.parse(
                "{'model_type': 'qwen2', 'num_attention_heads': 64, 'hidden_size': 8192, 'num_key_value_heads': null}"));
        assertEquals(64, nullKv.numKeyValueHeads());
    }

    @Test
    void qwen2SlidingLayersFromMaxWindowLayers() {
        Qwen2Config c = assertInstanceOf(Qwen2Config.class, Json.parse("{'model_type': 'qwen2',"
                + " 'num_hidden_layers': 4, 'use_sliding_window': true, 'sliding_window': 1024, 'max_window_layers': 2}"));
        assertEquals(OptionalInt.of(1024), c.effectiveSlidingWindow());
        assertEquals(List.of("full_attention", "full_attention", "sliding_attention", "sliding_attention"),
                c.layerTypes());
        Qwen2Config given = assertInstanceOf(Qwen2Config.class, Json.parse("{'model_type': 'qwen2',"
                + " 'num_hidden_layers': 2, 'layer_types': ['sliding_attention', 'full_attention']}"));
        assertEquals(List.of("sliding_attention", "full_attention"), given.layerTypes());
    }

    @Test
    void siglipVisionConfigDefaults() {
        SiglipVisionConfig c = assertInstanceOf(SiglipVisionConfig.class,
                Json.parse("{'model_type': 'siglip_vision_model'}"));
        assertEquals("siglip_vision_model", c.modelType());
        assertEquals(768, c.hiddenSize());
        assertEquals(3072, c.intermediateSize());
        assertEquals(12, c.numHiddenLayers());
        assertEquals(12, c.numAttentionHeads());
        assertEquals(3, c.numChannels());
        assertEquals(224, c.imageSize());
        assertEquals(16, c.patchSize());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(1e-6, c.layerNormEps());
        assertEquals(0.0, c.attentionDropout());
    }

    @Test
    void clipVisionConfigDefaults() {
        ClipVisionConfig c = assertInstanceOf(ClipVisionConfig.class, Json.parse("{'model_type': 'clip_vision_model'}"));
        assertEquals(768, c.hiddenSize());
        assertEquals(3072, c.intermediateSize());
        assertEquals(512, c.projectionDim());
        assertEquals(12, c.numHiddenLayers());
        assertEquals(12, c.numAttentionHeads());
        assertEquals(3, c.numChannels());
        assertEquals(224, c.imageSize());
        assertEquals(32, c.patchSize());
        assertEquals("quick_gelu", c.hiddenAct());
        assertEquals(1e-5, c.layerNormEps());
        assertEquals(0.0, c.attentionDropout());
    }

    @Test
    void idefics3ConfigDefaults() {
        // The Idefics3-8B tower (364 / 14 = 26 patches per side): the default vision grid does not
        // fit the default scale_factor, see idefics3AllDefaultsCannotPixelShuffle.
        Idefics3Config c = assertInstanceOf(Idefics3Config.class, Json.parse(
                "{'model_type': 'idefics3', 'vision_config': {'image_size': 364, 'patch_size': 14}}"));
        assertEquals(128257, c.imageTokenId());
        assertEquals(2, c.scaleFactor());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(OptionalInt.of(128002), c.padTokenId());
        assertEquals(169, c.imageSeqLength());

        // Idefics3VisionConfig(**vision_config)
        SiglipVisionConfig v = c.visionConfig();
        assertEquals("idefics3_vision", v.modelType());
        assertEquals(1152, v.hiddenSize());
        assertEquals(3072, v.intermediateSize());
        assertEquals(12, v.numHiddenLayers());
        assertEquals(16, v.numAttentionHeads());
        assertEquals(3, v.numChannels());
        assertEquals("gelu_pytorch_tanh", v.hiddenAct());
        assertEquals(1e-6, v.layerNormEps());

        // text_config None -> LlamaConfig(rms_norm_eps=1e-5, pad_token_id=pad_token_id, tie_word_embeddings=False)
        LlamaConfig t = assertInstanceOf(LlamaConfig.class, c.textConfig());
        assertEquals(1e-5, t.rmsNormEps());
        assertEquals(OptionalInt.of(128002), t.padTokenId());
        assertFalse(t.tieWordEmbeddings());
        assertEquals(4096, t.hiddenSize());
    }

    @Test
    void idefics3VisionDefaultsWhenVisionConfigIsAbsent() {
        Idefics3Config c = assertInstanceOf(Idefics3Config.class,
                Json.parse("{'model_type': 'idefics3', 'scale_factor': 7}"));
        SiglipVisionConfig v = c.visionConfig();
        assertEquals("idefics3_vision", v.modelType());
        assertEquals(1152, v.hiddenSize());
        assertEquals(224, v.imageSize());
        assertEquals(32, v.patchSize());
        assertEquals(7, v.patchesPerSide());
    }

    /**
     * transformers' own Idefics3Config() pairs a 224 / 32 = 7-patch grid with scale_factor 2, which
     * Idefics3Connector.pixel_shuffle cannot reshape; a file relying on all those defaults is rejected.
     */
    @Test
    void idefics3AllDefaultsCannotPixelShuffle() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> Json.parse("{'model_type': 'idefics3'}"));
        assertEquals(Optional.of("scale_factor"), e.field());
    }

    @Test
    void idefics3VisionConfigIsReadAsIdefics3VisionWhateverItsModelType() {
        Idefics3Config c = assertInstanceOf(Idefics3Config.class, Json.parse(
                "{'model_type': 'idefics3', 'scale_factor': 1, 'vision_config': {'model_type': 'siglip_vision_model'}}"));
        assertEquals(1152, c.visionConfig().hiddenSize(), "Idefics3Config builds Idefics3VisionConfig(**dict)");
        assertEquals(32, c.visionConfig().patchSize());
        assertEquals("siglip_vision_model", c.visionConfig().modelType());
    }

    @Test
    void idefics3TextConfigWithoutModelTypeIsLlama() {
        Idefics3Config c = assertInstanceOf(Idefics3Config.class, Json.parse(
                "{'model_type': 'idefics3', 'scale_factor': 1, 'text_config': {'hidden_size': 576, 'num_attention_heads': 9}}"));
        LlamaConfig t = assertInstanceOf(LlamaConfig.class, c.textConfig());
        assertEquals(1e-6, t.rmsNormEps(), "a given text_config gets plain LlamaConfig defaults");
    }

    @Test
    void llavaConfigDefaults() {
        LlavaConfig c = assertInstanceOf(LlavaConfig.class, Json.parse("{'model_type': 'llava'}"));
        assertEquals(32000, c.imageTokenIndex());
        assertEquals("gelu", c.projectorHiddenAct());
        assertEquals("default", c.visionFeatureSelectStrategy());
        assertEquals(List.of(-2), c.visionFeatureLayer());
        assertEquals(576, c.imageSeqLength());
        assertTrue(c.multimodalProjectorBias());
        assertFalse(c.tieWordEmbeddings());

        // text_config None -> LlamaConfig()
        LlamaConfig t = assertInstanceOf(LlamaConfig.class, c.textConfig());
        assertEquals(4096, t.hiddenSize());
        assertEquals(1e-6, t.rmsNormEps());

        // vision_config None -> CLIPVisionConfig(intermediate_size=4096, hidden_size=1024, patch_size=14,
        // image_size=336, num_hidden_layers=24, num_attention_heads=16, vocab_size=32000, projection_dim=768)
        ClipVisionConfig v = assertInstanceOf(ClipVisionConfig.class, c.visionConfig());
        assertEquals(1024, v.hiddenSize());
        assertEquals(4096, v.intermediateSize());
        assertEquals(14, v.patchSize());
        assertEquals(336, v.imageSize());
        assertEquals(24, v.numHiddenLayers());
        assertEquals(16, v.numAttentionHeads());
        assertEquals(768, v.projectionDim());
        assertEquals("quick_gelu", v.hiddenAct());
        assertEquals(Optional.of(32000), v.extra().get("vocab_size").map(n -> n.intValue()));
    }

    @Test
    void llavaNestedModelTypesDefaultToLlamaAndClip() {
        LlavaConfig c = assertInstanceOf(LlavaConfig.class, Json.parse(
                "{'model_type': 'llava', 'text_config': {'vocab_size': 100}, 'vision_config': {'image_size': 64}}"));
        assertInstanceOf(LlamaConfig.class, c.textConfig());
        ClipVisionConfig v = assertInstanceOf(ClipVisionConfig.class, c.visionConfig());
        assertEquals(32, v.patchSize(), "a given vision_config gets plain CLIPVisionConfig defaults");
    }

    @Test
    void llavaVisionFeatureLayerAsList() {
        LlavaConfig c = assertInstanceOf(LlavaConfig.class, Json.parse(
                "{'model_type': 'llava', 'vision_feature_layer': [-2, -5, -8, -11, 6]}"));
        assertEquals(List.of(-2, -5, -8, -11, 6), c.visionFeatureLayer());
    }

    @Test
    void llavaImageTokenIdIsAnAliasOfImageTokenIndex() {
        LlavaConfig c = assertInstanceOf(LlavaConfig.class, Json.parse("{'model_type': 'llava', 'image_token_id': 7}"));
        assertEquals(7, c.imageTokenIndex());
        assertFalse(c.extra().contains("image_token_id"));
    }

    @Test
    void transformers5LayoutWithRopeParametersAndDtype() {
        LlamaConfig c = assertInstanceOf(LlamaConfig.class, Json.parse("{'model_type': 'llama', 'dtype': 'bfloat16',"
                + " 'rope_parameters': {'rope_theta': 100000.0, 'rope_type': 'default'}}"));
        assertEquals(100000.0, c.ropeTheta());
        assertEquals(Optional.empty(), c.ropeScaling(), "plain RoPE has no scaling");
        assertEquals(Optional.of("bfloat16"), c.torchDtype());
        assertTrue(c.extra().isEmpty());

        LlamaConfig scaled = assertInstanceOf(LlamaConfig.class, Json.parse("{'model_type': 'llama',"
                + " 'rope_parameters': {'rope_theta': 500000.0, 'rope_type': 'llama3', 'factor': 32.0,"
                + " 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 8192}}"));
        assertEquals(500000.0, scaled.ropeTheta());
        assertEquals("llama3", scaled.ropeScaling().orElseThrow().ropeType());
    }

    @Test
    void ropeScalingLegacyTypeSpellingAndUnknownKeys() {
        LlamaConfig c = assertInstanceOf(LlamaConfig.class, Json.parse("{'model_type': 'llama',"
                + " 'rope_scaling': {'type': 'yarn', 'factor': 4, 'beta_fast': 32, 'beta_slow': 1}}"));
        RopeScaling r = c.ropeScaling().orElseThrow();
        assertEquals("yarn", r.ropeType());
        assertEquals(OptionalDouble.of(4.0), r.factor());
        assertEquals(OptionalInt.empty(), r.originalMaxPositionEmbeddings());
        assertEquals(java.util.Set.of("beta_fast", "beta_slow"), r.extra().keys());
    }
}
