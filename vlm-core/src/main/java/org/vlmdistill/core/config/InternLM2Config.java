package org.vlmdistill.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * InternLM2's {@code InternLM2Config} ({@code model_type} "internlm2", architecture
 * {@code InternLM2ForCausalLM}): the remote-code config of InternLM2 and of the decoder of InternVL2-2B,
 * -8B and -26B. Llama-shaped; it differs in names and in three facts:
 * <ul>
 *   <li>{@code head_dim} is always {@code hidden_size / num_attention_heads} (InternLM2Attention raises
 *   unless it divides; a {@code head_dim} key is not read and stays in {@link #extra()});</li>
 *   <li>one switch {@code bias} gives {@code wqkv} and {@code wo} a bias; the MLP's {@code w1/w2/w3} are
 *   built with {@code bias=False} whatever it says (InternLM2MLP);</li>
 *   <li>{@code rope_scaling} is {@code {"type": "linear"|"dynamic", "factor": f >= 1}} and nothing else
 *   ({@code _rope_scaling_validation}); InternLM2's dynamic NTK is not transformers' (see
 *   {@code decoder/rope}).</li>
 * </ul>
 * Defaults: {@code configuration_internlm2.py} (OpenGVLab/InternVL {@code internvl/model/internlm2}).
 *
 * @param bias {@code bias}: whether {@code attention.wqkv} and {@code attention.wo} have a bias
 */
public record InternLM2Config(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        String hiddenAct,
        int maxPositionEmbeddings,
        double initializerRange,
        double rmsNormEps,
        OptionalInt padTokenId,
        OptionalInt bosTokenId,
        List<Integer> eosTokenId,
        boolean tieWordEmbeddings,
        boolean bias,
        double ropeTheta,
        Optional<RopeScaling> ropeScaling,
        Optional<String> torchDtype,
        Extras extra) implements TextConfig {

    public static final String MODEL_TYPE = "internlm2";
    /** The rope_scaling types InternLM2Attention._init_rope builds. */
    public static final List<String> ROPE_TYPES = List.of("dynamic", "linear");

    public InternLM2Config {
        Require.positive("hidden_size", hiddenSize);
        Require.positive("num_attention_heads", numAttentionHeads);
        if (hiddenSize % numAttentionHeads != 0) {
            throw Require.invalid("num_attention_heads", numAttentionHeads + " does not divide hidden_size "
                    + hiddenSize + " (InternLM2's head_dim is hidden_size / num_attention_heads)");
        }
        LlamaConfig.checkDecoder(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, hiddenSize / numAttentionHeads, hiddenAct, maxPositionEmbeddings,
                initializerRange, rmsNormEps, ropeTheta, 0.0);
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        eosTokenId = List.copyOf(eosTokenId);
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        ropeScaling.ifPresent(InternLM2Config::checkRopeScaling);
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    /** {@code _rope_scaling_validation}: type linear or dynamic, a factor >= 1, no other key. */
    private static void checkRopeScaling(RopeScaling s) {
        if (!ROPE_TYPES.contains(s.ropeType())) {
            throw Require.invalid("rope_scaling.type", "\"" + s.ropeType() + "\" is not one of "
                    + String.join(", ", ROPE_TYPES) + " (InternLM2 builds no other rotary embedding)");
        }
        double factor = s.factor().orElseThrow(); // RopeScaling requires it for both types
        if (!(factor >= 1.0)) {
            throw Require.invalid("rope_scaling.factor", "must be >= 1 for InternLM2, got " + factor);
        }
        if (s.lowFreqFactor().isPresent() || s.highFreqFactor().isPresent()
                || s.originalMaxPositionEmbeddings().isPresent() || !s.extra().isEmpty()) {
            throw Require.invalid("rope_scaling", "InternLM2 takes exactly the keys type and factor");
        }
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** {@code hidden_size / num_attention_heads}: InternLM2Attention has no other. */
    @Override
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** InternLM2 has no attention dropout. */
    @Override
    public double attentionDropout() {
        return 0.0;
    }

    /** {@code wqkv} has {@code bias=config.bias}. */
    @Override
    public boolean qkvBias() {
        return bias;
    }

    /** {@code wo} has {@code bias=config.bias}. */
    @Override
    public boolean oProjBias() {
        return bias;
    }

    /** InternLM2MLP builds w1, w2 and w3 with {@code bias=False}, whatever {@code bias} says. */
    @Override
    public boolean mlpBias() {
        return false;
    }

    static InternLM2Config read(ConfigNode c) {
        int heads = c.intOr("num_attention_heads", 32);
        int kvHeads = c.optionalInt("num_key_value_heads", OptionalInt.empty()).orElse(heads);
        RopeScaling.Rope rope = RopeScaling.read(c, 10000.0);
        return c.build(() -> new InternLM2Config(
                c.intOr("vocab_size", 103168),
                c.intOr("hidden_size", 4096),
                c.intOr("intermediate_size", 11008),
                c.intOr("num_hidden_layers", 32),
                heads,
                kvHeads,
                c.stringOr("hidden_act", "silu"),
                c.intOr("max_position_embeddings", 2048),
                c.doubleOr("initializer_range", 0.02),
                c.doubleOr("rms_norm_eps", 1e-6),
                c.optionalInt("pad_token_id", OptionalInt.of(0)),
                c.optionalInt("bos_token_id", OptionalInt.of(1)),
                c.intListOr("eos_token_id", List.of(2)),
                c.boolOr("tie_word_embeddings", false),
                c.boolOr("bias", true),
                rope.theta(),
                rope.scaling(),
                c.torchDtype(),
                c.extras()));
    }
}
