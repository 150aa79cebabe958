package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code internvl_chat} configs: the reference's tiny files, InternVLChatConfig's defaults, and refusals. */
class InternVLConfigTest {

    @Test
    void tinyQwen2FileReadsAsWritten() {
        InternVLChatConfig c = Fixtures.read("internvl-tiny-qwen2", InternVLChatConfig.class);
        assertEquals("internvl_chat", c.modelType());
        assertEquals("Qwen2ForCausalLM", c.llmArchitecture());
        Qwen2Config llm = assertInstanceOf(Qwen2Config.class, c.llmConfig());
        assertEquals(64, llm.hiddenSize());
        assertEquals(8, llm.numAttentionHeads());
        assertEquals(2, llm.numKeyValueHeads());
        assertEquals(160, llm.vocabSize());
        assertEquals(1_000_000.0, llm.ropeTheta());
        InternVisionConfig v = c.visionConfig();
        assertEquals("intern_vit_6b", v.modelType());
        assertEquals(32, v.hiddenSize());
        assertEquals(64, v.intermediateSize());
        assertEquals(3, v.numHiddenLayers());
        assertEquals(4, v.numAttentionHeads());
        assertEquals(56, v.imageSize());
        assertEquals(14, v.patchSize());
        assertEquals("gelu", v.hiddenAct());
        assertEquals(1e-6, v.layerNormEps());
        assertEquals("layer_norm", v.normType());
        assertTrue(v.qkvBias());
        assertFalse(v.qkNormalization());
        assertEquals(1.0, v.initializerFactor());
        assertEquals(Set.of("architectures", "use_flash_attn"), v.extra().keys());
        assertEquals(-1, c.selectLayer());
        assertEquals(0.5, c.downsampleRatio());
        assertEquals("v2", c.psVersion());
        assertEquals(OptionalInt.of(56), c.forceImageSize());
        assertEquals(Optional.of("Hermes-2"), c.template());
        assertTrue(c.dynamicImageSize());
        assertTrue(c.useThumbnail());
        assertEquals(1, c.minDynamicPatch());
        assertEquals(2, c.maxDynamicPatch());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(56, c.imageSize());
        assertEquals(2, c.shrink());
        assertEquals(4, c.numImageToken(), "(56 / 14)^2 * 0.5^2");
        assertEquals(Set.of("architectures", "auto_map", "pad2square", "tie_word_embeddings", "transformers_version",
                "use_backbone_lora", "use_llm_lora"), c.extra().keys());
        assertEquals(OptionalInt.empty(), c.imgContextTokenId(), "config.json alone does not give it");
        ConfigException e = assertThrows(ConfigException.class, c::imageTokenId);
        assertTrue(e.getMessage().contains("<IMG_CONTEXT>") && e.getMessage().contains("added_tokens.json"),
                e.getMessage());
        assertEquals(OptionalInt.empty(), c.knownImageTokenId());
        assertEquals(122, c.withImgContextTokenId(122).imageTokenId());
    }

    @Test
    void tinyInternLm2FileReadsItsDecoderByArchitecture() {
        InternVLChatConfig c = Fixtures.read("internvl-tiny-internlm2", InternVLChatConfig.class);
        assertEquals("internlm2", c.llmConfig().modelType());
        assertEquals("InternLM2ForCausalLM", c.llmArchitecture());
        assertEquals(64, c.llmConfig().hiddenSize());
        assertEquals(128, c.llmConfig().vocabSize());
        assertEquals(4, c.numImageToken());
        assertFalse(c.tieWordEmbeddings());
    }

    @Test
    void defaultsAreInternVLChatConfigs() {
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, Json.parse(
                "{'model_type': 'internvl_chat', 'llm_config': {'architectures': ['LlamaForCausalLM']}}"));
        InternVisionConfig v = c.visionConfig();
        // InternVisionConfig(): the InternViT-6B shape
        assertEquals(3200, v.hiddenSize());
        assertEquals(12800, v.intermediateSize());
        assertEquals(48, v.numHiddenLayers());
        assertEquals(25, v.numAttentionHeads());
        assertEquals(3, v.numChannels());
        assertEquals(224, v.imageSize());
        assertEquals(14, v.patchSize());
        assertEquals("gelu", v.hiddenAct());
        assertEquals("rms_norm", v.normType());
        assertEquals(1e-6, v.layerNormEps());
        assertFalse(v.qkvBias());
        assertTrue(v.qkNormalization());
        assertEquals(0.0, v.dropout());
        assertEquals(0.0, v.dropPathRate());
        assertEquals(0.02, v.initializerRange());
        assertEquals(0.1, v.initializerFactor());
        assertInstanceOf(LlamaConfig.class, c.llmConfig());
        assertEquals(-1, c.selectLayer());
        assertEquals(0.5, c.downsampleRatio());
        assertEquals("v1", c.psVersion(), "InternVLChatConfig's default; released checkpoints say v2");
        assertEquals(OptionalInt.empty(), c.forceImageSize());
        assertEquals(Optional.empty(), c.template());
        assertFalse(c.dynamicImageSize());
        assertFalse(c.useThumbnail());
        assertEquals(1, c.minDynamicPatch());
        assertEquals(6, c.maxDynamicPatch());
        assertEquals(224, c.imageSize());
        assertEquals(64, c.numImageToken(), "(224 / 14)^2 / 4");
    }

    @Test
    void publishedTileShapeGives256TokensPerTile() {
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, Json.parse("{'model_type': 'internvl_chat',"
                + " 'force_image_size': 448, 'ps_version': 'v2', 'vision_config': {'image_size': 448, 'hidden_size': 1024,"
                + " 'num_attention_heads': 16, 'intermediate_size': 4096, 'num_hidden_layers': 24, 'norm_type': 'layer_norm',"
                + " 'qk_normalization': false, 'qkv_bias': true}, 'llm_config': {'architectures': ['Qwen2ForCausalLM'],"
                + " 'model_type': 'qwen2'}}"));
        assertEquals(256, c.numImageToken());
    }

    @Test
    void theArchitectureDecidesTheDecoderNotItsModelType() {
        // InternVLChatConfig builds the class named by architectures[0]; model_type is not consulted.
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, Json.parse("{'model_type': 'internvl_chat',"
                + " 'llm_config': {'architectures': ['Qwen2ForCausalLM'], 'model_type': 'llama'}}"));
        assertInstanceOf(Qwen2Config.class, c.llmConfig());
    }

    @Test
    void unsupportedDecodersAreRefusedNamingTheArchitecture() {
        for (String arch : new String[] {"Phi3ForCausalLM", "InternLM2_5ForCausalLM", ""}) {
            ConfigException e = assertThrows(ConfigException.class, () -> Json.parse(
                    "{'model_type': 'internvl_chat', 'llm_config': {'architectures': ['" + arch + "']}}"));
            assertEquals(Optional.of("llm_config.architectures"), e.field(), e.getMessage());
            assertTrue(e.getMessage().startsWith("inline.json: llm_config.architectures: unsupported decoder \""
                    + arch + "\"; supported: LlamaForCausalLM"), e.getMessage());
        }
        ConfigException none = assertThrows(ConfigException.class,
                () -> Json.parse("{'model_type': 'internvl_chat', 'llm_config': {'model_type': 'qwen2'}}"));
        assertEquals(Optional.of("llm_config.architectures"), none.field(), none.getMessage());
        ConfigException noLlm = assertThrows(ConfigException.class, () -> Json.parse("{'model_type': 'internvl_chat'}"));
        assertEquals(Optional.of("llm_config"), noLlm.field(), noLlm.getMessage());
    }

    @Test
    void impossibleShapesAreRefusedNamingTheField() {
        String llm = ", 'llm_config': {'architectures': ['Qwen2ForCausalLM']}";
        assertField("ps_version", "{'model_type': 'internvl_chat', 'ps_version': 'v3'" + llm + "}");
        assertField("downsample_ratio", "{'model_type': 'internvl_chat', 'downsample_ratio': 0.3" + llm + "}");
        assertField("downsample_ratio", "{'model_type': 'internvl_chat', 'downsample_ratio': 0" + llm + "}");
        // 224 / 14 = 16 patches per side: blocks of 3 do not fit
        assertField("downsample_ratio", "{'model_type': 'internvl_chat', 'downsample_ratio': "
                + (1.0 / 3) + llm + "}");
        assertField("select_layer", "{'model_type': 'internvl_chat', 'select_layer': 49" + llm + "}");
        assertField("select_layer", "{'model_type': 'internvl_chat', 'select_layer': -50" + llm + "}");
        assertField("force_image_size", "{'model_type': 'internvl_chat', 'force_image_size': 13" + llm + "}");
        assertField("min_dynamic_patch", "{'model_type': 'internvl_chat', 'min_dynamic_patch': 7" + llm + "}");
        assertField("max_dynamic_patch", "{'model_type': 'internvl_chat', 'max_dynamic_patch': 100000000" + llm + "}");
        assertField("vision_config.norm_type", "{'model_type': 'internvl_chat', 'vision_config': "
                + "{'norm_type': 'batch_norm'}" + llm + "}");
        assertField("vision_config.num_attention_heads", "{'model_type': 'internvl_chat', 'vision_config': "
                + "{'num_attention_heads': 7}" + llm + "}");
        assertField("vision_config.num_hidden_layers", "{'model_type': 'internvl_chat', 'vision_config': "
                + "{'num_hidden_layers': 100000}" + llm + "}");
    }

    private static void assertField(String field, String json) {
        ConfigException e = assertThrows(ConfigException.class, () -> Json.parse(json), json);
        assertEquals(Optional.of(field), e.field(), e.getMessage());
    }

    @Test
    void readsTheWholeFileBack() {
        ObjectNode json = Json.object("{'model_type': 'internvl_chat', 'x_extra': 1,"
                + " 'llm_config': {'architectures': ['LlamaForCausalLM'], 'hidden_size': 64, 'num_attention_heads': 4}}");
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, HfConfigs.parse(json, "x.json"));
        assertEquals(Set.of("x_extra"), c.extra().keys());
        assertEquals(64, c.textConfig().hiddenSize());
    }

    @Test
    void transformersLayoutReadsIntoTheSameRecord() {
        InternVLChatConfig c = assertInstanceOf(InternVLChatConfig.class, Json.parse("{'model_type': 'internvl',"
                + " 'image_token_id': 151667, 'downsample_ratio': 0.5, 'vision_feature_layer': -1,"
                + " 'vision_config': {'model_type': 'internvl_vision', 'hidden_size': 1024, 'image_size': [448, 448],"
                + " 'patch_size': [14, 14], 'attention_bias': true, 'use_qk_norm': false, 'layer_scale_init_value': 0.1,"
                + " 'norm_type': 'layer_norm', 'use_mean_pooling': true},"
                + " 'text_config': {'model_type': 'qwen2', 'hidden_size': 896, 'num_attention_heads': 14,"
                + " 'num_key_value_heads': 2, 'tie_word_embeddings': true}}"));
        assertEquals("internvl", c.modelType());
        assertTrue(c.hfLayout());
        assertEquals("Qwen2ForCausalLM", c.llmArchitecture());
        assertEquals(151667, c.imageTokenId(), "in config.json for this layout");
        assertEquals("internvl_vision", c.visionConfig().modelType());
        assertEquals(448, c.visionConfig().imageSize());
        assertEquals(14, c.visionConfig().patchSize());
        assertTrue(c.visionConfig().qkvBias());
        assertFalse(c.visionConfig().qkNormalization());
        assertEquals("layer_norm", c.visionConfig().normType());
        assertEquals("v2", c.psVersion());
        assertEquals(256, c.numImageToken());
        assertTrue(c.tieWordEmbeddings(), "no top-level key: text_config's");
        InternVLChatConfig defaults = assertInstanceOf(InternVLChatConfig.class, Json.parse("{'model_type': 'internvl'}"));
        assertInstanceOf(Qwen2Config.class, defaults.llmConfig());
        assertEquals(24, defaults.visionConfig().numHiddenLayers());
        assertEquals(1024, defaults.visionConfig().hiddenSize());
        assertEquals(-1, defaults.selectLayer());
        String base = "{'model_type': 'internvl', ";
        assertField("vision_feature_select_strategy", base + "'vision_feature_select_strategy': 'full'}");
        assertField("vision_feature_layer", base + "'vision_feature_layer': [-1, -2]}");
        assertField("projector_hidden_act", base + "'projector_hidden_act': 'relu'}");
        assertField("vision_config.image_size", base + "'vision_config': {'image_size': [448, 224]}}");
        assertField("vision_config.use_mean_pooling", base + "'vision_config': {'use_mean_pooling': false}}");
        assertField("vision_config.use_mask_token", base + "'vision_config': {'use_mask_token': true}}");
    }
}
