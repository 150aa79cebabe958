package org.vlmdistill.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * transformers {@code CLIPVisionConfig} ({@code model_type} "clip_vision_model"): the tower of
 * LLaVA-1.5. Unlike SigLIP it prepends a class token, so its sequence is {@link #numPatches()} + 1.
 *
 * @param projectionDim width of {@code visual_projection} in CLIPVisionModelWithProjection; LLaVA
 *     does not use it
 */
public record ClipVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int projectionDim,
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

    public static final String MODEL_TYPE = "clip_vision_model";

    public ClipVisionConfig {
        SiglipVisionConfig.checkVision(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numChannels, imageSize, patchSize, hiddenAct, layerNormEps, attentionDropout);
        Require.positive("projection_dim", projectionDim);
        ConfigBounds.atMost("projection_dim", projectionDim, ConfigBounds.MAX_HIDDEN_SIZE);
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    static ClipVisionConfig read(ConfigNode c) {
        // Defaults: transformers CLIPVisionConfig (models/clip/configuration_clip.py).
        c.stringOr("model_type", MODEL_TYPE);
        return c.build(() -> new ClipVisionConfig(
                c.intOr("hidden_size", 768),
                c.intOr("intermediate_size", 3072),
                c.intOr("projection_dim", 512),
                c.intOr("num_hidden_layers", 12),
                c.intOr("num_attention_heads", 12),
                c.intOr("num_channels", 3),
                c.intOr("image_size", 224),
                c.intOr("patch_size", 32),
                c.stringOr("hidden_act", "quick_gelu"),
                c.doubleOr("layer_norm_eps", 1e-5),
                c.doubleOr("attention_dropout", 0.0),
                c.torchDtype(),
                c.extras()));
    }
}
