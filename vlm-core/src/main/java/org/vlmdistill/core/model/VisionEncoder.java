package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.VisionConfig;

/** A ViT image encoder (SigLIP, CLIP) with the feature selection of the model it serves. */
public interface VisionEncoder {

    VisionConfig config();

    /**
     * Image features for the connector.
     *
     * @param pixelValues {@code [images, channels, height, width]}, normalized as the image processor does
     * @return {@code [images, seq, hidden_size]}: the selected hidden state(s), CLS dropped or kept as the
     *     model's feature selection says
     */
    NDArray forward(NDArray pixelValues);
}
