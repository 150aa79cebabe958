package org.vlmdistill.core.multimodal;

/**
 * A layout where every image, whatever its size, becomes the same run of {@code tokensPerImage} image
 * tokens, with the image token itself as the placeholder (LLaVA's: one token per feature the projector
 * emits).
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
