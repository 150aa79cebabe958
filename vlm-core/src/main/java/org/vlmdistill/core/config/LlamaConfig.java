package org.vlmdistill.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * transformers {@code LlamaConfig} ({@code model_type} "llama"): Llama 2/3, SmolLM2, the text half of
 * SmolVLM and LLaVA-1.5.
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        String hiddenAct,
        int maxPositionEmbeddings,
        double initializerRange,
        double rmsNormEps,
        OptionalInt padTokenId,
        OptionalInt bosTokenId,
        List<Integer> eosTokenId,
        boolean tieWordEmbeddings,
        double ropeTheta,
        Optional<RopeScaling> ropeScaling,
        boolean attentionBias,
        double attentionDropout,
        boolean mlpBias,
        Optional<String> torchDtype,
        Extras extra) implements TextConfig {

    public static final String MODEL_TYPE = "llama";

    public LlamaConfig {
        checkDecoder(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, hiddenAct, maxPositionEmbeddings, initializerRange, rmsNormEps,
                ropeTheta, attentionDropout);
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        eosTokenId = List.copyOf(eosTokenId);
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** LlamaAttention gives q/k/v_proj and o_proj all {@code bias=config.attention_bias}. */
    @Override
    public boolean qkvBias() {
        return attentionBias;
    }

    @Override
    public boolean oProjBias() {
        return attentionBias;
    }

    static LlamaConfig read(ConfigNode c) {
        // Defaults: transformers LlamaConfig (models/llama/configuration_llama.py), same in 4.4x and 5.
        int hidden = c.intOr("hidden_size", 4096);
        int heads = c.intOr("num_attention_heads", 32);
        int kvHeads = c.optionalInt("num_key_value_heads", OptionalInt.empty()).orElse(heads);
        int headDim = headDim(c, hidden, heads);
        RopeScaling.Rope rope = RopeScaling.read(c, 10000.0);
        return c.build(() -> new LlamaConfig(
                c.intOr("vocab_size", 32000),
                hidden,
                c.intOr("intermediate_size", 11008),
                c.intOr("num_hidden_layers", 32),
                heads,
                kvHeads,
                headDim,
                c.stringOr("hidden_act", "silu"),
                c.intOr("max_position_embeddings", 2048),
                c.doubleOr("initializer_range", 0.02),
                c.doubleOr("rms_norm_eps", 1e-6),
                c.optionalInt("pad_token_id", OptionalInt.empty()),
                c.optionalInt("bos_token_id", OptionalInt.of(1)),
                c.intListOr("eos_token_id", List.of(2)),
                c.boolOr("tie_word_embeddings", false),
                rope.theta(),
                rope.scaling(),
                c.boolOr("attention_bias", false),
                c.doubleOr("attention_dropout", 0.0),
                c.boolOr("mlp_bias", false),
                c.torchDtype(),
                c.extras()));
    }

    /**
     * {@code head_dim} as given, else {@code hidden_size // num_attention_heads}, which must then divide
     * evenly. With an explicit head_dim, {@code heads * head_dim != hidden_size} is accepted: q_proj
     * maps hidden_size to heads * head_dim and o_proj back, and transformers 4 accepts it (transformers
     * 5's LlamaConfig.validate_architecture rejects any hidden_size % heads, head_dim or not).
     */
    static int headDim(ConfigNode c, int hidden, int heads) {
        OptionalInt explicit = c.optionalInt("head_dim", OptionalInt.empty());
        if (explicit.isPresent()) {
            return explicit.getAsInt();
        }
        // Positivity first, so that a bad size is reported as such and not as a bad division.
        if (hidden <= 0) {
            throw c.error("hidden_size", "must be positive, got " + hidden);
        }
        if (heads <= 0) {
            throw c.error("num_attention_heads", "must be positive, got " + heads);
        }
        if (hidden % heads != 0) {
            throw c.error("num_attention_heads",
                    heads + " does not divide hidden_size " + hidden + " and head_dim is not given");
        }
        return hidden / heads;
    }

    /** The invariants Llama and Qwen2 share; a model built from values outside them cannot run. */
    static void checkDecoder(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
            int numAttentionHeads, int numKeyValueHeads, int headDim, String hiddenAct,
            int maxPositionEmbeddings, double initializerRange, double rmsNormEps, double ropeTheta,
            double attentionDropout) {
        Require.positive("vocab_size", vocabSize);
        Require.positive("hidden_size", hiddenSize);
        Require.positive("intermediate_size", intermediateSize);
        Require.positive("num_hidden_layers", numHiddenLayers);
        Require.positive("num_attention_heads", numAttentionHeads);
        ConfigBounds.atMost("vocab_size", vocabSize, ConfigBounds.MAX_VOCAB_SIZE);
        ConfigBounds.atMost("hidden_size", hiddenSize, ConfigBounds.MAX_HIDDEN_SIZE);
        ConfigBounds.atMost("intermediate_size", intermediateSize, ConfigBounds.MAX_INTERMEDIATE_SIZE);
        ConfigBounds.atMost("num_hidden_layers", numHiddenLayers, ConfigBounds.MAX_LAYERS);
        ConfigBounds.atMost("num_attention_heads", numAttentionHeads, ConfigBounds.MAX_HEADS);
        Require.kvHeadsDivideHeads(numKeyValueHeads, numAttentionHeads);
        Require.positive("head_dim", headDim);
        ConfigBounds.atMost("head_dim", headDim, ConfigBounds.MAX_HEAD_DIM);
        // RoPE rotates pairs of channels.
        if (headDim % 2 != 0) {
            throw Require.invalid("head_dim", "must be even for rotary embeddings, got " + headDim);
        }
        Require.nonBlank("hidden_act", hiddenAct);
        Require.positive("max_position_embeddings", maxPositionEmbeddings);
        ConfigBounds.atMost("max_position_embeddings", maxPositionEmbeddings, ConfigBounds.MAX_POSITION_EMBEDDINGS);
        Require.nonNegative("initializer_range", initializerRange);
        Require.nonNegative("rms_norm_eps", rmsNormEps);
        Require.positive("rope_theta", ropeTheta);
        Require.fraction("attention_dropout", attentionDropout);
    }
}
