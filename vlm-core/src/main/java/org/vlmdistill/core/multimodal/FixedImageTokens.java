package org.vlmdistill.core.multimodal;

/**
 * LLaVA's layout: every image, whatever its size, becomes the same run of image tokens (one per
 * feature the projector emits). For llava-1.5 (CLIP ViT-L/14 at 336, strategy "default", CLS
 * dropped) that is (336/14)^2 = 576; with strategy "full" the CLS feature adds one.
 */
public record FixedImageTokens(String imageToken, int tokensPerImage) implements ImageTokenLayout {

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
}
