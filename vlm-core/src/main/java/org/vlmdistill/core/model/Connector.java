package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;

/** Maps image features into the decoder's embedding space (LLaVA's MLP, Idefics3's pixel shuffle). */
public interface Connector {

    /** {@code [images, seq, vision_hidden]} to {@code [images, tokens, text_hidden]}. */
    NDArray forward(NDArray imageFeatures);
}
