package org.vlmdistill.vision.processor;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.config.ClipVisionConfig;
import org.vlmdistill.core.config.LlavaConfig;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.ImageTokenLayout;

/**
 * The image processor of a LLaVA model: {@code image_processor_type} in preprocessor_config.json, or the
 * tower's own processor where the file does not say (CLIP for a CLIP tower, SigLIP for a SigLIP one).
 */
public final class LlavaImageProcessors {
    public static final String IMAGE_TOKEN = FixedImageTokens.LLAVA_IMAGE_TOKEN;

    private LlavaImageProcessors() {
    }

    public static ImageProcessor forModel(JsonNode preprocessor, LlavaConfig config) {
        String type = preprocessor.path("image_processor_type").asText("");
        boolean clipTower = config.visionConfig() instanceof ClipVisionConfig;
        if (type.isEmpty()) {
            type = clipTower ? "CLIPImageProcessor" : "SiglipImageProcessor";
        }
        return switch (type) {
            case "CLIPImageProcessor", "CLIPImageProcessorFast" ->
                    new ClipImageProcessor(preprocessor, (w, h) -> layout(config, w, h));
            case "SiglipImageProcessor", "SiglipImageProcessorFast" ->
                    new SiglipImageProcessor(preprocessor, (w, h) -> layout(config, w, h));
            default -> throw new IllegalArgumentException("preprocessor_config.json: image_processor_type \"" + type
                    + "\" is not supported for llava; supported: CLIPImageProcessor, SiglipImageProcessor");
        };
    }

    /**
     * LlavaProcessor's count for a {@code width x height} input: {@code (h / patch) (w / patch)} patches,
     * plus the CLS of a CLIP tower, minus one for strategy "default".
     */
    public static ImageTokenLayout layout(LlavaConfig config, int width, int height) {
        return FixedImageTokens.llava(width, height, config.visionConfig().patchSize(),
                config.visionConfig() instanceof ClipVisionConfig ? 1 : 0, config.visionFeatureSelectStrategy());
    }
}
