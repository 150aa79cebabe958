package org.vlmdistill.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code model_type} "internlm2": the defaults of InternLM2's {@code configuration_internlm2.py}
 * (restated here from that file), an InternVL2 {@code llm_config} as published, and the checks
 * {@code InternLM2Config._rope_scaling_validation} and {@code InternLM2Attention} make.
 */
class InternLM2ConfigTest {

    @Test
    void defaults() {
        InternLM2Config c = assertInstanceOf(InternLM2Config.class, Json.parse("{'model_type': 'internlm2'}"));
        assertEquals(103168, c.vocabSize());
        assertEquals(4096, c.hiddenSize());
        assertEquals(11008, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(32, c.numKeyValueHeads(), "None -> num_attention_heads");
        assertEquals(128, c.headDim());
        assertEquals("silu", c.hiddenAct());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(0.02, c.initializerRange());
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(Optional.empty(), c.ropeScaling());
        assertTrue(c.bias(), "bias defaults to True");
        assertTrue(c.qkvBias());
        assertTrue(c.oProjBias());
        assertFalse(c.mlpBias(), "InternLM2MLP has bias=False whatever bias says");
        assertFalse(c.tieWordEmbeddings());
        assertEquals(OptionalInt.of(0), c.padTokenId());
        assertEquals(OptionalInt.of(1), c.bosTokenId());
        assertEquals(List.of(2), c.eosTokenId());
        assertEquals(0.0, c.attentionDropout());
        assertTrue(c.extra().isEmpty());
    }

    /** InternVL2-2B's llm_config (internlm2-chat-1_8b), with the keys its config.json has. */
    @Test
    void internVl2TwoBillionLlmConfig() {
        InternLM2Config c = assertInstanceOf(InternLM2Config.class, Json.parse("{'architectures': "
                + "['InternLM2ForCausalLM'], 'attn_implementation': 'flash_attention_2', 'bias': false, "
                + "'bos_token_id': 1, 'eos_token_id': 2, 'hidden_act': 'silu', 'hidden_size': 2048, "
                + "'initializer_range': 0.02, 'intermediate_size': 8192, 'max_position_embeddings': 32768, "
                + "'model_type': 'internlm2', 'num_attention_heads': 16, 'num_hidden_layers': 24, "
                + "'num_key_value_heads': 8, 'pad_token_id': 2, 'rms_norm_eps': 1e-05, "
                + "'rope_scaling': {'factor': 2.0, 'type': 'dynamic'}, 'rope_theta': 1000000, "
                + "'tie_word_embeddings': false, 'torch_dtype': 'bfloat16', 'use_cache': true, "
                + "'vocab_size': 92553}"));
        assertEquals(128, c.headDim());
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(1e6, c.ropeTheta());
        assertEquals("dynamic", c.ropeScaling().orElseThrow().ropeType());
        assertEquals(OptionalDouble.of(2.0), c.ropeScaling().orElseThrow().factor());
        assertFalse(c.bias());
        assertFalse(c.qkvBias());
        assertEquals(OptionalInt.of(2), c.padTokenId());
        assertEquals(92553, c.vocabSize());
        assertTrue(c.extra().contains("architectures"));
        assertTrue(c.extra().contains("attn_implementation"));
    }

    @Test
    void headsMustDivideHiddenSize() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Json.parse("{'model_type': 'internlm2', 'hidden_size': 64, 'num_attention_heads': 5}"));
        assertEquals(Optional.of("num_attention_heads"), e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("hidden_size 64"), e.getMessage());
    }

    @Test
    void ropeScalingTypeMustBeLinearOrDynamic() {
        ConfigException e = assertThrows(ConfigException.class, () -> Json.parse(
                "{'model_type': 'internlm2', 'rope_scaling': {'type': 'yarn', 'factor': 2.0}}"));
        assertEquals(Optional.of("rope_scaling.type"), e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("dynamic, linear"), e.getMessage());
    }

    @Test
    void ropeScalingFactorBelowOneIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> Json.parse(
                "{'model_type': 'internlm2', 'rope_scaling': {'type': 'dynamic', 'factor': 0.5}}"));
        assertEquals(Optional.of("rope_scaling.factor"), e.field(), e.getMessage());
    }

    @Test
    void ropeScalingWithOtherKeysIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> Json.parse(
                "{'model_type': 'internlm2', 'rope_scaling': {'type': 'dynamic', 'factor': 2.0, 'beta_fast': 32}}"));
        assertEquals(Optional.of("rope_scaling"), e.field(), e.getMessage());
    }
}
