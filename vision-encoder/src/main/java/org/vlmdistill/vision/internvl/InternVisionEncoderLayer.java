package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.InternVisionConfig;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.LayerNorm;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.nn.RmsNorm;
import org.vlmdistill.vision.vit.VisionMlp;

import java.util.function.UnaryOperator;

/**
 * {@code InternVisionEncoderLayer}, pre-norm with layer scale:
 * {@code x += attn(norm1(x)) * ls1; x += mlp(norm2(x)) * ls2}. The norms are LayerNorm or RMSNorm as
 * {@code norm_type} says (weight and, for LayerNorm, bias at {@code norm1.}, {@code norm2.}); {@code ls1},
 * {@code ls2} are {@code [hidden]} vectors (no {@code .weight} suffix). Drop path is not applied. transformers'
 * layout names them {@code layernorm_before}, {@code layernorm_after}, {@code lambda_1}, {@code lambda_2}.
 */
public record InternVisionEncoderLayer(UnaryOperator<NDArray> norm1, InternAttention attn, NDArray ls1,
                                       UnaryOperator<NDArray> norm2, VisionMlp mlp, NDArray ls2,
                                       ActivationCheckpoints checkpoints) {

    /** @param w a view at {@code encoder.layers.<i>.} (or transformers' {@code encoder.layer.<i>.}) */
    public static InternVisionEncoderLayer take(InternVisionConfig c, Weights w, InternVLLayout names) {
        long d = c.hiddenSize();
        Init scale = new Init.Constant(c.initializerFactor());
        UnaryOperator<NDArray> norm1 = norm(c, w, names.norm1);
        InternAttention attn = InternAttention.take(c, w.at(names.attention), names);
        NDArray ls1 = w.take(names.layerScale1, scale, d);
        UnaryOperator<NDArray> norm2 = norm(c, w, names.norm2);
        VisionMlp mlp = VisionMlp.take(w.at("mlp."), d, c.intermediateSize(), c.hiddenAct());
        return new InternVisionEncoderLayer(norm1, attn, ls1, norm2, mlp, w.take(names.layerScale2, scale, d),
                w.checkpoints());
    }

    private static UnaryOperator<NDArray> norm(InternVisionConfig c, Weights w, String name) {
        if (InternVisionConfig.RMS_NORM.equals(c.normType())) {
            return RmsNorm.take(w, name, c.hiddenSize(), c.layerNormEps())::forward;
        }
        return LayerNorm.take(w, name, c.hiddenSize(), c.layerNormEps())::forward;
    }

    /**
     * [batch, seq, hidden] to [batch, seq, hidden]; its temporaries are closed on return, and it is
     * recomputed in the backward when the model checkpoints activations ({@link ActivationCheckpoints}).
     */
    public NDArray forward(NDArray x) {
        return checkpoints.run(x, this::compute);
    }

    private NDArray compute(NDArray x) {
        NDArray h = x.add(attn.forward(norm1.apply(x)).mul(ls1));
        return h.add(mlp.forward(norm2.apply(h)).mul(ls2));
    }
}
