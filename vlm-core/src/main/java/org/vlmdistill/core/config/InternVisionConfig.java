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
 * <p>transformers' {@code InternVLVisionConfig} ({@code model_type} "internvl_vision", the tower of the
 * {@code internvl} checkpoints such as InternVL3-1B-hf) describes the same tower under other key names;
 * {@link #readHf} reads it into this record.
 *
 * @param modelType what the file says, "intern_vit_6b" (or "internvl_vision") when it says nothing
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
    public static final String HF_MODEL_TYPE = "internvl_vision";
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

    /**
     * transformers' {@code InternVLVisionConfig} (models/internvl/configuration_internvl.py, the InternViT-300M
     * shape by default): {@code attention_bias} is qkv_bias, {@code use_qk_norm} qk_normalization,
     * {@code layer_scale_init_value} initializer_factor, {@code hidden_dropout_prob} dropout; image and
     * patch sizes are an int or a square [h, w]. A tower this code does not build is refused naming the
     * field: a final {@code layernorm} ({@code use_mean_pooling} false), no position embeddings, a mask token.
     */
    static InternVisionConfig readHf(ConfigNode c) {
        int imageSize = square(c, "image_size", 448);
        int patchSize = square(c, "patch_size", 14);
        refuse(c, "use_mean_pooling", true, "false gives the tower a final layernorm, which is not built here");
        refuse(c, "use_absolute_position_embeddings", true, "false (no position embeddings) is not built here");
        refuse(c, "use_mask_token", false, "true (a masked-image-modelling token) is not built here");
        c.doubleOr("projection_dropout", 0.0);
        return c.build(() -> new InternVisionConfig(
                c.stringOr("model_type", HF_MODEL_TYPE),
                c.intOr("hidden_size", 1024),
                c.intOr("intermediate_size", 4096),
                c.intOr("num_hidden_layers", 24),
                c.intOr("num_attention_heads", 16),
                c.intOr("num_channels", 3),
                imageSize,
                patchSize,
                c.stringOr("hidden_act", "gelu"),
                c.doubleOr("layer_norm_eps", 1e-6),
                c.stringOr("norm_type", LAYER_NORM),
                c.boolOr("attention_bias", false),
                c.boolOr("use_qk_norm", false),
                c.doubleOr("hidden_dropout_prob", 0.0),
                0.0,
                c.doubleOr("attention_dropout", 0.0),
                c.doubleOr("initializer_range", 0.02),
                c.doubleOr("layer_scale_init_value", 0.1),
                c.torchDtype(),
                c.extras()));
    }

    /** An int, or a list [h, w] with h == w (InternVLVisionConfig turns an int into (n, n)). */
    private static int square(ConfigNode c, String key, int fallback) {
        List<Integer> sides = c.intListOr(key, List.of(fallback));
        if (sides.size() == 1 || sides.size() == 2 && sides.get(0).equals(sides.get(1))) {
            return sides.get(0);
        }
        throw c.error(key, "expected an int or a square [height, width], got " + sides);
    }

    private static void refuse(ConfigNode c, String key, boolean supported, String why) {
        if (c.boolOr(key, supported) != supported) {
            throw c.error(key, why);
        }
    }
}
