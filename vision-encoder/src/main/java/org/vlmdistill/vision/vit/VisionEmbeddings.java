package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;

/**
 * {@code SiglipVisionEmbeddings} / {@code CLIPVisionEmbeddings}: a stride-{@code patch_size} Conv2d over
 * the image (done as unfold + linear, the same sums), CLIP's class token in front, plus position
 * embeddings, interpolated when the image is not the config's size.
 *
 * @param patchWeight    [hidden, channels, patch, patch]
 * @param patchBias      [hidden] (SigLIP), null for CLIP (Conv2d bias=False)
 * @param classEmbedding [hidden] for CLIP, null for SigLIP
 * @param position       [numPatches (+1 with a class token), hidden]
 */
public record VisionEmbeddings(NDArray patchWeight, NDArray patchBias, NDArray classEmbedding, NDArray position,
                               int patchSize, int patchesPerSide, TorchOps ops) {

    /** SigLIP (and Idefics3's tower): patch conv with bias, no class token. */
    public static VisionEmbeddings siglip(VisionConfig c, Weights w) {
        return take(c, w, false);
    }

    /** CLIP: patch conv without bias, a class token and its position. */
    public static VisionEmbeddings clip(VisionConfig c, Weights w) {
        return take(c, w, true);
    }

    private static VisionEmbeddings take(VisionConfig c, Weights w, boolean clip) {
        long d = c.hiddenSize();
        int p = c.patchSize();
        NDArray cls = clip ? w.take("embeddings.class_embedding", Init.normal(0.02), d) : null;
        NDArray weight = w.take("embeddings.patch_embedding.weight", Init.normal(0.02), d, c.numChannels(), p, p);
        NDArray bias = clip ? null : w.take("embeddings.patch_embedding.bias", Init.ZEROS, d);
        NDArray pos = w.take("embeddings.position_embedding.weight", Init.normal(0.02),
                c.numPatches() + (clip ? 1 : 0), d);
        // a buffer (arange), saved by older transformers versions
        w.ignore("embeddings.position_ids");
        return new VisionEmbeddings(weight, bias, cls, pos, p, c.patchesPerSide(), w.ops());
    }

    /** {@code [images, channels, H, W]} (any float dtype) to {@code [images, (1 +) (H/p)(W/p), hidden]}. */
    public NDArray forward(NDArray pixelValues) {
        Patches p = patches(pixelValues, patchWeight, patchBias, patchSize, ops);
        long n = p.embeds().getShape().get(0);
        long d = patchWeight.getShape().get(0);
        if (classEmbedding == null) {
            return p.embeds().add(PositionInterpolation.interpolate(position, patchesPerSide, patchesPerSide,
                    p.height(), p.width(), ops));
        }
        NDArray cls = classEmbedding.reshape(1, 1, d).broadcast(new Shape(n, 1, d));
        NDArray clsPos = position.get(new NDIndex("0:1"));
        NDArray patchPos = PositionInterpolation.interpolate(position.get(new NDIndex("1:")), patchesPerSide,
                patchesPerSide, p.height(), p.width(), ops);
        NDArray pos = NDArrays.concat(new NDList(clsPos, patchPos), 0);
        return NDArrays.concat(new NDList(cls, p.embeds()), 1).add(pos);
    }

    /**
     * The patch embeddings of an image and the size of their grid.
     *
     * @param embeds {@code [images, height * width, hidden]}, row-major over the grid
     */
    public record Patches(NDArray embeds, int height, int width) {
    }

    /**
     * A stride-{@code patchSize} Conv2d without padding ({@code patch_embedding}), done as unfold +
     * linear (the same sums): {@code [images, channels, H, W]} to the patch grid's embeddings; a remainder
     * of the image past the last whole patch is dropped, as the conv drops it.
     *
     * @param weight {@code [hidden, channels, patch, patch]}
     * @param bias {@code [hidden]}, or null for a conv without bias
     */
    public static Patches patches(NDArray pixelValues, NDArray weight, NDArray bias, int patchSize, TorchOps ops) {
        Shape s = pixelValues.getShape();
        if (s.dimension() != 4 || s.get(1) != weight.getShape().get(1)) {
            throw new IllegalArgumentException("pixel values must be [images, " + weight.getShape().get(1)
                    + ", height, width], got " + s);
        }
        long n = s.get(0);
        long c = s.get(1);
        int h = (int) (s.get(2) / patchSize);
        int w = (int) (s.get(3) / patchSize);
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("image " + s.get(2) + "x" + s.get(3) + " is smaller than one "
                    + patchSize + "x" + patchSize + " patch");
        }
        NDArray x = pixelValues;
        if (ops.dtypeOf(x) != ops.dtypeOf(weight)) {
            x = ops.cast(x, ops.dtypeOf(weight));
        }
        if (s.get(2) % patchSize != 0 || s.get(3) % patchSize != 0) {
            x = x.get(new NDIndex(":, :, :{}, :{}", (long) h * patchSize, (long) w * patchSize));
        }
        long d = weight.getShape().get(0);
        long k = c * patchSize * patchSize;
        // [n, c, h, p, w, p] -> [n, h, w, c, p, p]: each patch flattened as the conv weight is
        NDArray patches = x.reshape(n, c, h, patchSize, w, patchSize).transpose(0, 2, 4, 1, 3, 5)
                .reshape(n, (long) h * w, k);
        return new Patches(ops.linear(patches, weight.reshape(d, k), bias), h, w);
    }
}
