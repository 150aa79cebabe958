package org.vlmdistill.vision.idefics3;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.model.Connector;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;
import org.vlmdistill.vision.vit.PixelShuffle;

/**
 * {@code Idefics3Connector}: {@link PixelShuffle#fold} folds each {@code scale_factor x scale_factor} block of
 * patch features into one token, then {@code modality_projection.proj} (no bias) maps
 * {@code vision_hidden * scale_factor^2} to the decoder's width.
 */
public record Idefics3Connector(Linear proj, int scaleFactor) implements Connector {

    /** @param w a view at {@code model.connector.} */
    public static Idefics3Connector take(Weights w, int visionHidden, int scaleFactor, int textHidden) {
        long in = (long) visionHidden * scaleFactor * scaleFactor;
        return new Idefics3Connector(Linear.take(w, "modality_projection.proj", in, textHidden, false, 0.02),
                scaleFactor);
    }

    @Override
    public NDArray forward(NDArray imageFeatures) {
        return proj.forward(PixelShuffle.fold(imageFeatures, scaleFactor));
    }
}
