package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.InternVisionConfig;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.vision.vit.PositionInterpolation;
import org.vlmdistill.vision.vit.VisionEmbeddings;

/**
 * {@code InternVisionEmbeddings}: the class token, then the patch conv (stride {@code patch_size}, with
 * bias) of every patch, plus the position embeddings; the patch part of those is resized bicubically
 * (torch's {@code F.interpolate}, align_corners=False) from the config's grid to the image's, the class
 * token's position is not.
 *
 * @param classEmbedding {@code [1, 1, hidden]}
 * @param patchWeight {@code [hidden, 3, patch, patch]}
 * @param patchBias {@code [hidden]}
 * @param position {@code [1, 1 + patches, hidden]}, the class token's first
 * @param patchesPerSide {@code image_size / patch_size} of the config: the grid {@code position} was trained at
 */
public record InternVisionEmbeddings(NDArray classEmbedding, NDArray patchWeight, NDArray patchBias, NDArray position,
                                     int patchSize, int patchesPerSide, TorchOps ops) {

    /** @param w a view at the tower's prefix ({@code vision_model.}) */
    public static InternVisionEmbeddings take(InternVisionConfig c, Weights w, InternVLLayout names) {
        long d = c.hiddenSize();
        int p = c.patchSize();
        // InternVisionEmbeddings builds its conv with in_channels=3, whatever num_channels says
        return new InternVisionEmbeddings(
                w.take(names.classEmbedding, Init.normal(c.initializerRange()), 1, 1, d),
                w.take(names.patchEmbedding + ".weight", Init.normal(c.initializerRange()), d, 3, p, p),
                w.take(names.patchEmbedding + ".bias", Init.ZEROS, d),
                w.take(names.positionEmbedding, Init.normal(c.initializerRange()), 1, c.numPatches() + 1, d),
                p, c.patchesPerSide(), w.ops());
    }

    /** {@code [images, 3, H, W]} to {@code [images, 1 + (H/p)(W/p), hidden]}. */
    public NDArray forward(NDArray pixelValues) {
        VisionEmbeddings.Patches p = VisionEmbeddings.patches(pixelValues, patchWeight, patchBias, patchSize, ops);
        long n = p.embeds().getShape().get(0);
        long d = patchWeight.getShape().get(0);
        NDArray table = position.reshape(position.getShape().get(1), d);
        NDArray clsPos = table.get(new NDIndex("0:1"));
        NDArray patchPos = PositionInterpolation.interpolate(table.get(new NDIndex("1:")), patchesPerSide,
                patchesPerSide, p.height(), p.width(), ops);
        NDArray pos = NDArrays.concat(new NDList(clsPos, patchPos), 0);
        NDArray cls = classEmbedding.broadcast(new Shape(n, 1, d));
        return NDArrays.concat(new NDList(cls, p.embeds()), 1).add(pos);
    }
}
