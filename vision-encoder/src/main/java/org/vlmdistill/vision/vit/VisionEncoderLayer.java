package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.LayerNorm;
import org.vlmdistill.core.nn.ActivationCheckpoints;

/**
 * {@code SiglipEncoderLayer} / {@code CLIPEncoderLayer}, pre-LN:
 * {@code x += self_attn(layer_norm1(x)); x += mlp(layer_norm2(x))}.
 */
public record VisionEncoderLayer(LayerNorm layerNorm1, VisionAttention selfAttn, LayerNorm layerNorm2, VisionMlp mlp,
                                 ActivationCheckpoints checkpoints) {

    public static VisionEncoderLayer take(VisionConfig c, Weights w) {
        return new VisionEncoderLayer(
                LayerNorm.take(w, "layer_norm1", c.hiddenSize(), c.layerNormEps()),
                VisionAttention.take(c, w.at("self_attn.")),
                LayerNorm.take(w, "layer_norm2", c.hiddenSize(), c.layerNormEps()),
                VisionMlp.take(w.at("mlp."), c.hiddenSize(), c.intermediateSize(), c.hiddenAct()), w.checkpoints());
    }

    /**
     * [batch, seq, hidden] to [batch, seq, hidden]; its temporaries are closed on return, and it is
     * recomputed in the backward when the model checkpoints activations ({@link ActivationCheckpoints}).
     */
    public NDArray forward(NDArray x) {
        return checkpoints.run(x, this::compute);
    }

    private NDArray compute(NDArray x) {
        NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x)));
        return h.add(mlp.forward(layerNorm2.forward(h)));
    }
}
