package org.vlmdistill.core.multimodal;

/**
 * LLaVA's layout: every image, whatever its size, becomes the same run of image tokens (one per
 * feature the projector emits). For llava-1.5 (CLIP ViT-L/14 at 336, strategy "default", CLS
 * dropped) that is (336/14)^2 = 576; with strategy "full" the CLS feature adds one.
 */
public record FixedImageTokens(String imageToken, int tokensPerImage) implements ImageTokenLayout {
    public static final String LLAVA_IMAGE_TOKEN = "<image>";

    public FixedImageTokens {
        if (tokensPerImage <= 0) {
            throw new IllegalArgumentException("tokensPerImage must be positive, got " + tokensPerImage);
        }
    }

    @Override
    public String placeholder() {
        return imageToken;
    }

    @Override
    public String expand(int width, int height) {
        return imageToken.repeat(tokensPerImage);
    }

    @Override
    public int imageTokenCount(int width, int height) {
        return tokensPerImage;
    }

    /**
     * LlavaProcessor's count for a processed {@code width x height} image:
     * {@code (height / patch) (width / patch) + num_additional_image_tokens}, minus one for
     * vision_feature_select_strategy "default" (which drops the first feature).
     *
     * @param additionalTokens processor_config.json's {@code num_additional_image_tokens}: 1 for a
     *                         CLIP tower's class token, 0 for SigLIP
     */
    public static FixedImageTokens llava(int width, int height, int patchSize, int additionalTokens,
                                         String visionFeatureSelectStrategy) {
        int tokens = (height / patchSize) * (width / patchSize) + additionalTokens
                - ("default".equals(visionFeatureSelectStrategy) ? 1 : 0);
        if (tokens <= 0) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image gives no image features with patch_size "
                    + patchSize);
        }
        return new FixedImageTokens(LLAVA_IMAGE_TOKEN, tokens);
    }
}
