package org.vlmdistill.vision.idefics3;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.model.Connector;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;

/**
 * {@code Idefics3Connector}: {@link #pixelShuffle} folds each {@code scale_factor x scale_factor} block of
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
        return proj.forward(pixelShuffle(imageFeatures, scaleFactor));
    }

    /**
     * HF's {@code Idefics3Connector.pixel_shuffle}, step for step: {@code [b, seq, d]} with
     * {@code seq = side^2} to {@code [b, seq / s^2, d s^2]}. Token {@code (i, j)} of the
     * {@code side/s} grid holds the block's rows in order, each row's {@code s} features side by side.
     */
    public static NDArray pixelShuffle(NDArray x, int s) {
        long b = x.getShape().get(0);
        long seq = x.getShape().get(1);
        long d = x.getShape().get(2);
        long side = Math.round(Math.sqrt(seq));
        if (side * side != seq || side % s != 0) {
            throw new IllegalArgumentException("pixel shuffle needs a square patch grid whose side divides by "
                    + s + ", got " + seq + " patches");
        }
        long height = side;
        long width = side;
        NDArray y = x.reshape(b, height, width / s, d * s);
        y = y.transpose(0, 2, 1, 3);
        y = y.reshape(b, width / s, height / s, d * s * s);
        y = y.transpose(0, 2, 1, 3);
        return y.reshape(b, seq / ((long) s * s), d * s * s);
    }
}
