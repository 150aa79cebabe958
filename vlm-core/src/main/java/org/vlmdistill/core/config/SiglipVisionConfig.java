package org.vlmdistill.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A SigLIP vision tower: transformers {@code SiglipVisionConfig} ({@code model_type}
 * "siglip_vision_model"), or the {@code vision_config} of an Idefics3/SmolVLM model, which
 * transformers reads as {@code Idefics3VisionConfig}: the same architecture with other defaults.
 *
 * @param modelType "siglip_vision_model", or what an idefics3 {@code vision_config} says
 *     ("idefics3_vision" when it says nothing)
 */
public record SiglipVisionConfig(
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
        double attentionDropout,
        Optional<String> torchDtype,
        Extras extra) implements VisionConfig {

    public static final String MODEL_TYPE = "siglip_vision_model";
    public static final String IDEFICS3_VISION_MODEL_TYPE = "idefics3_vision";

    public SiglipVisionConfig {
        Require.nonBlank("model_type", modelType);
        checkVision(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels, imageSize,
                patchSize, hiddenAct, layerNormEps, attentionDropout);
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    /** Defaults: transformers SiglipVisionConfig (models/siglip/configuration_siglip.py). */
    static SiglipVisionConfig readSiglip(ConfigNode c) {
        return read(c, MODEL_TYPE, 768, 12, 16);
    }

    /**
     * Defaults: transformers Idefics3VisionConfig (models/idefics3/configuration_idefics3.py), which
     * Idefics3Config builds from any {@code vision_config} dict whatever its model_type says.
     */
    static SiglipVisionConfig readIdefics3(ConfigNode c) {
        return read(c, IDEFICS3_VISION_MODEL_TYPE, 1152, 16, 32);
    }

    // The two classes differ only in hidden_size, num_attention_heads and patch_size; both default
    // intermediate 3072, 12 layers, 3 channels, image 224, gelu_pytorch_tanh, eps 1e-6, dropout 0.0.
    private static SiglipVisionConfig read(ConfigNode c, String defaultModelType, int hidden, int heads,
            int patch) {
        return c.build(() -> new SiglipVisionConfig(
                c.stringOr("model_type", defaultModelType),
                c.intOr("hidden_size", hidden),
                c.intOr("intermediate_size", 3072),
                c.intOr("num_hidden_layers", 12),
                c.intOr("num_attention_heads", heads),
                c.intOr("num_channels", 3),
                c.intOr("image_size", 224),
                c.intOr("patch_size", patch),
                c.stringOr("hidden_act", "gelu_pytorch_tanh"),
                c.doubleOr("layer_norm_eps", 1e-6),
                c.doubleOr("attention_dropout", 0.0),
                c.torchDtype(),
                c.extras()));
    }

    /** The invariants SigLIP and CLIP towers share. */
    static void checkVision(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
            int numChannels, int imageSize, int patchSize, String hiddenAct, double layerNormEps,
            double attentionDropout) {
        Require.positive("hidden_size", hiddenSize);
        Require.positive("intermediate_size", intermediateSize);
        Require.positive("num_hidden_layers", numHiddenLayers);
        Require.positive("num_attention_heads", numAttentionHeads);
        ConfigBounds.atMost("hidden_size", hiddenSize, ConfigBounds.MAX_HIDDEN_SIZE);
        ConfigBounds.atMost("intermediate_size", intermediateSize, ConfigBounds.MAX_INTERMEDIATE_SIZE);
        ConfigBounds.atMost("num_hidden_layers", numHiddenLayers, ConfigBounds.MAX_LAYERS);
        ConfigBounds.atMost("num_attention_heads", numAttentionHeads, ConfigBounds.MAX_HEADS);
        // Siglip/CLIPAttention raise on this: they have no head_dim of their own.
        if (hiddenSize % numAttentionHeads != 0) {
            throw Require.invalid("num_attention_heads",
                    numAttentionHeads + " does not divide hidden_size " + hiddenSize);
        }
        Require.positive("num_channels", numChannels);
        Require.positive("image_size", imageSize);
        Require.positive("patch_size", patchSize);
        ConfigBounds.atMost("num_channels", numChannels, ConfigBounds.MAX_CHANNELS);
        ConfigBounds.atMost("image_size", imageSize, ConfigBounds.MAX_IMAGE_SIZE);
        // A remainder is dropped by the patch conv (see VisionConfig.patchesPerSide); no patch at all is not.
        if (imageSize < patchSize) {
            throw Require.invalid("image_size",
                    imageSize + " is smaller than patch_size " + patchSize + ": not one patch fits");
        }
        Require.nonBlank("hidden_act", hiddenAct);
        Require.nonNegative("layer_norm_eps", layerNormEps);
        Require.fraction("attention_dropout", attentionDropout);
    }
}
