package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.LayerNorm;

/**
 * {@code SiglipEncoderLayer} / {@code CLIPEncoderLayer}, pre-LN:
 * {@code x += self_attn(layer_norm1(x)); x += mlp(layer_norm2(x))}.
 */
public record VisionEncoderLayer(LayerNorm layerNorm1, VisionAttention selfAttn, LayerNorm layerNorm2, VisionMlp mlp) {

    public static VisionEncoderLayer take(VisionConfig c, Weights w) {
        return new VisionEncoderLayer(
                LayerNorm.take(w, "layer_norm1", c.hiddenSize(), c.layerNormEps()),
                VisionAttention.take(c, w.at("self_attn.")),
                LayerNorm.take(w, "layer_norm2", c.hiddenSize(), c.layerNormEps()),
                VisionMlp.take(w.at("mlp."), c.hiddenSize(), c.intermediateSize(), c.hiddenAct()));
    }

    public NDArray forward(NDArray x) {
        NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x)));
        return h.add(mlp.forward(layerNorm2.forward(h)));
    }
}
