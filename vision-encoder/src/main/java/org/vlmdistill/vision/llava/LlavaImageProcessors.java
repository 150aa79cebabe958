package org.vlmdistill.vision.llava;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.config.ClipVisionConfig;
import org.vlmdistill.core.config.LlavaConfig;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.vision.clip.ClipImageProcessor;
import org.vlmdistill.vision.siglip.SiglipImageProcessor;

/**
 * The image processor of a LLaVA model: {@code image_processor_type} in preprocessor_config.json, or the
 * tower's own processor where the file does not say (CLIP for a CLIP tower, SigLIP for a SigLIP one).
 */
public final class LlavaImageProcessors {
    /** The token LLaVA's image features replace, one per feature. */
    public static final String IMAGE_TOKEN = "<image>";

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
     * LlavaProcessor's count for a processed {@code width x height} image: every image, whatever its size,
     * becomes {@code (height / patch) (width / patch) + num_additional_image_tokens} tokens, the last term
     * 1 for a CLIP tower's class feature and 0 for SigLIP, minus one for
     * {@code vision_feature_select_strategy} "default" (which drops the first feature). For llava-1.5
     * (CLIP ViT-L/14 at 336, "default") that is (336/14)^2 = 576.
     */
    public static ImageTokenLayout layout(LlavaConfig config, int width, int height) {
        int patch = config.visionConfig().patchSize();
        int additional = config.visionConfig() instanceof ClipVisionConfig ? 1 : 0;
        int tokens = (height / patch) * (width / patch) + additional
                - ("default".equals(config.visionFeatureSelectStrategy()) ? 1 : 0);
        if (tokens <= 0) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image gives no image features with patch_size "
                    + patch);
        }
        return new FixedImageTokens(IMAGE_TOKEN, tokens);
    }
}
