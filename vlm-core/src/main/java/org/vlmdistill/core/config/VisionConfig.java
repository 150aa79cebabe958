package org.vlmdistill.core.config;

/** A ViT image encoder config (SigLIP, CLIP or InternViT vision tower). */
public sealed interface VisionConfig extends ModelConfig permits SiglipVisionConfig, ClipVisionConfig, InternVisionConfig {

    int hiddenSize();

    int intermediateSize();

    int numHiddenLayers();

    int numAttentionHeads();

    int numChannels();

    int imageSize();

    int patchSize();

    String hiddenAct();

    double layerNormEps();

    double attentionDropout();

    default int headDim() {
        return hiddenSize() / numAttentionHeads();
    }

    /**
     * Patches along one side. The patch embedding is a stride-{@code patch_size} Conv2d without
     * padding, so a remainder is dropped: HF's Siglip/CLIPVisionEmbeddings use
     * {@code (image_size // patch_size) ** 2} patches, and siglip-so400m-patch14-384 (384 = 27 * 14 + 6)
     * is a real, widely used tower.
     */
    default int patchesPerSide() {
        return imageSize() / patchSize();
    }

    /** At most 16384^2 = 2^28 under {@link ConfigBounds#MAX_IMAGE_SIZE}; exact all the same. */
    default int numPatches() {
        return Math.multiplyExact(patchesPerSide(), patchesPerSide());
    }
}
