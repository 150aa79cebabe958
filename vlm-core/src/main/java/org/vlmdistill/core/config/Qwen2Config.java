package org.vlmdistill.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * transformers {@code Qwen2Config} ({@code model_type} "qwen2"): Qwen2, Qwen2.5, the text half of
 * LLaVA-OneVision. Unlike Llama it has no {@code attention_bias}/{@code mlp_bias} switches: the
 * biases are fixed by the architecture (see {@link #qkvBias()}).
 *
 * @param slidingWindow {@code sliding_window} as in the file (default 4096; empty where the file has
 *     null); it only applies when {@code use_sliding_window}, see {@link #effectiveSlidingWindow()}
 * @param layerTypes {@code layer_types} from the file, else derived as {@code Qwen2Config} does
 */
public record Qwen2Config(
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
        boolean useSlidingWindow,
        OptionalInt slidingWindow,
        int maxWindowLayers,
        List<String> layerTypes,
        double attentionDropout,
        Optional<String> torchDtype,
        Extras extra) implements TextConfig {

    public static final String MODEL_TYPE = "qwen2";
    public static final String FULL_ATTENTION = "full_attention";
    public static final String SLIDING_ATTENTION = "sliding_attention";

    public Qwen2Config {
        LlamaConfig.checkDecoder(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, hiddenAct, maxPositionEmbeddings, initializerRange, rmsNormEps,
                ropeTheta, attentionDropout);
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        eosTokenId = List.copyOf(eosTokenId);
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        Objects.requireNonNull(slidingWindow, "slidingWindow");
        slidingWindow.ifPresent(w -> Require.positive("sliding_window", w));
        Require.nonNegative("max_window_layers", maxWindowLayers);
        layerTypes = List.copyOf(layerTypes);
        // layer_type_validation in configuration_utils: one entry per layer, from a known set.
        if (layerTypes.size() != numHiddenLayers) {
            throw Require.invalid("layer_types",
                    "has " + layerTypes.size() + " entries for num_hidden_layers " + numHiddenLayers);
        }
        for (int i = 0; i < layerTypes.size(); i++) {
            String t = layerTypes.get(i);
            if (!t.equals(FULL_ATTENTION) && !t.equals(SLIDING_ATTENTION)) {
                throw Require.invalid("layer_types[" + i + "]",
                        "\"" + t + "\" is not " + FULL_ATTENTION + " or " + SLIDING_ATTENTION);
            }
        }
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** Qwen2Attention builds q/k/v_proj with {@code bias=True}, whatever the config says. */
    @Override
    public boolean qkvBias() {
        return true;
    }

    /** Qwen2Attention builds o_proj with {@code bias=False}. */
    @Override
    public boolean oProjBias() {
        return false;
    }

    /** Qwen2MLP builds its projections with {@code bias=False}. */
    @Override
    public boolean mlpBias() {
        return false;
    }

    /** The window in force: Qwen2Config.__post_init__ drops sliding_window unless use_sliding_window. */
    public OptionalInt effectiveSlidingWindow() {
        return useSlidingWindow ? slidingWindow : OptionalInt.empty();
    }

    static Qwen2Config read(ConfigNode c) {
        // Defaults: transformers Qwen2Config (models/qwen2/configuration_qwen2.py). Unlike Llama,
        // num_key_value_heads defaults to 32 and only an explicit null means "same as heads".
        int hidden = c.intOr("hidden_size", 4096);
        int heads = c.intOr("num_attention_heads", 32);
        int kvHeads = c.optionalInt("num_key_value_heads", OptionalInt.of(32)).orElse(heads);
        // Qwen2Config has no head_dim argument, but Qwen2Attention reads
        // getattr(config, "head_dim", hidden_size // num_attention_heads), so a head_dim key counts.
        int headDim = LlamaConfig.headDim(c, hidden, heads);
        RopeScaling.Rope rope = RopeScaling.read(c, 10000.0);
        // Bounded here, not only in the constructor: layer_types is derived with one entry per layer.
        int layers = c.build(() -> ConfigBounds.atMost("num_hidden_layers", c.intOr("num_hidden_layers", 32),
                ConfigBounds.MAX_LAYERS));
        boolean useSliding = c.boolOr("use_sliding_window", false);
        OptionalInt window = c.optionalInt("sliding_window", OptionalInt.of(4096));
        int maxWindowLayers = c.intOr("max_window_layers", 28);
        List<String> layerTypes = c.optionalStringList("layer_types")
                .orElseGet(() -> derivedLayerTypes(layers, useSliding && window.isPresent(), maxWindowLayers));
        return c.build(() -> new Qwen2Config(
                c.intOr("vocab_size", 151936),
                hidden,
                c.intOr("intermediate_size", 22016),
                layers,
                heads,
                kvHeads,
                headDim,
                c.stringOr("hidden_act", "silu"),
                c.intOr("max_position_embeddings", 32768),
                c.doubleOr("initializer_range", 0.02),
                c.doubleOr("rms_norm_eps", 1e-6),
                c.optionalInt("pad_token_id", OptionalInt.empty()),
                c.optionalInt("bos_token_id", OptionalInt.empty()),
                c.intListOr("eos_token_id", List.of()),
                c.boolOr("tie_word_embeddings", false),
                rope.theta(),
                rope.scaling(),
                useSliding,
                window,
                maxWindowLayers,
                layerTypes,
                c.doubleOr("attention_dropout", 0.0),
                c.torchDtype(),
                c.extras()));
    }

    /** Qwen2Config.__post_init__: layers from max_window_layers on slide, when a window is in force. */
    private static List<String> derivedLayerTypes(int layers, boolean sliding, int maxWindowLayers) {
        List<String> types = new ArrayList<>(Math.max(layers, 0));
        for (int i = 0; i < layers; i++) {
            types.add(sliding && i >= maxWindowLayers ? SLIDING_ATTENTION : FULL_ATTENTION);
        }
        return types;
    }
}
