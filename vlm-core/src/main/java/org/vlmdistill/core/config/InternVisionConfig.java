package org.vlmdistill.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * InternVL's {@code InternVisionConfig} ({@code model_type} "intern_vit_6b" whatever the tower's size):
 * the {@code vision_config} of an {@code internvl_chat} checkpoint. InternViT is a ViT with a class
 * token, a packed {@code qkv} projection, layer scale ({@code ls1}, {@code ls2}), layer or RMS norms
 * ({@code norm_type}) and, in the 6B towers, RMS normalization of the queries and keys over the whole
 * width ({@code qk_normalization}); it has no final norm.
 *
 * @param modelType what the file says, "intern_vit_6b" when it says nothing
 * @param normType "layer_norm" or "rms_norm" ({@code NORM2FN} in modeling_intern_vit.py)
 * @param dropout {@code dropout}: read, not used (inference and distillation run without it)
 * @param dropPathRate stochastic depth: read, not used
 * @param initializerFactor the value {@code ls1}/{@code ls2} start at in a fresh tower
 */
public record InternVisionConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numChannels,
        int imageSize,
        int patchSize,
        String hiddenAct,
        double layerNormEps,
        String normType,
        boolean qkvBias,
        boolean qkNormalization,
        double dropout,
        double dropPathRate,
        double attentionDropout,
        double initializerRange,
        double initializerFactor,
        Optional<String> torchDtype,
        Extras extra) implements VisionConfig {

    public static final String MODEL_TYPE = "intern_vit_6b";
    public static final String LAYER_NORM = "layer_norm";
    public static final String RMS_NORM = "rms_norm";

    public InternVisionConfig {
        Require.nonBlank("model_type", modelType);
        SiglipVisionConfig.checkVision(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels,
                imageSize, patchSize, hiddenAct, layerNormEps, attentionDropout);
        Objects.requireNonNull(normType, "norm_type");
        if (!List.of(LAYER_NORM, RMS_NORM).contains(normType)) {
            throw Require.invalid("norm_type", "\"" + normType + "\" is not " + LAYER_NORM + " or " + RMS_NORM);
        }
        Require.fraction("dropout", dropout);
        Require.fraction("drop_path_rate", dropPathRate);
        Require.nonNegative("initializer_range", initializerRange);
        if (!Double.isFinite(initializerFactor)) {
            throw Require.invalid("initializer_factor", "must be a finite number, got " + initializerFactor);
        }
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    /** Defaults: InternVisionConfig in configuration_intern_vit.py (the InternViT-6B tower's shape). */
    static InternVisionConfig read(ConfigNode c) {
        return c.build(() -> new InternVisionConfig(
                c.stringOr("model_type", MODEL_TYPE),
                c.intOr("hidden_size", 3200),
                c.intOr("intermediate_size", 12800),
                c.intOr("num_hidden_layers", 48),
                c.intOr("num_attention_heads", 25),
                c.intOr("num_channels", 3),
                c.intOr("image_size", 224),
                c.intOr("patch_size", 14),
                c.stringOr("hidden_act", "gelu"),
                c.doubleOr("layer_norm_eps", 1e-6),
                c.stringOr("norm_type", RMS_NORM),
                c.boolOr("qkv_bias", false),
                c.boolOr("qk_normalization", true),
                c.doubleOr("dropout", 0.0),
                c.doubleOr("drop_path_rate", 0.0),
                c.doubleOr("attention_dropout", 0.0),
                c.doubleOr("initializer_range", 0.02),
                c.doubleOr("initializer_factor", 0.1),
                c.torchDtype(),
                c.extras()));
    }
}
