package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.model.Connector;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Activations;
import org.vlmdistill.core.nn.LayerNorm;
import org.vlmdistill.core.nn.Linear;
import org.vlmdistill.vision.vit.PixelShuffle;

/**
 * InternVL's {@code extract_feature} after the tower and its {@code mlp1}: the patch features (class
 * token already dropped) pixel-shuffled by {@code s = 1 / downsample_ratio} ({@link PixelShuffle#fold}
 * for ps_version v2, {@link PixelShuffle#foldTransposed} for v1), each token {@code s^2} patches wide,
 * then {@code mlp1 = Sequential(LayerNorm(Dv s^2), Linear(Dv s^2, H), GELU, Linear(H, H))}, tensors
 * {@code mlp1.0}, {@code mlp1.1}, {@code mlp1.3} (transformers: {@code model.multi_modal_projector.layer_norm},
 * {@code linear_1}, {@code linear_2}). The LayerNorm has torch's default eps 1e-5; GELU is the
 * exact (erf) one.
 */
public record InternVLConnector(LayerNorm norm, Linear linear1, Linear linear2, int shrink, boolean transposed,
                                TorchOps ops) implements Connector {
    /** nn.LayerNorm's default. */
    static final double LAYER_NORM_EPS = 1e-5;

    /** @param w a view at {@code mlp1.} (or transformers' {@code model.multi_modal_projector.}) */
    public static InternVLConnector take(InternVLChatConfig c, Weights w, InternVLLayout names) {
        int s = c.shrink();
        long in = (long) c.visionConfig().hiddenSize() * s * s;
        long out = c.llmConfig().hiddenSize();
        return new InternVLConnector(LayerNorm.take(w, names.connectorNorm, in, LAYER_NORM_EPS),
                Linear.take(w, names.connectorLinear1, in, out, true, 0.02),
                Linear.take(w, names.connectorLinear2, out, out, true, 0.02), s,
                InternVLChatConfig.PS_V1.equals(c.psVersion()), w.ops());
    }

    /** {@code [tiles, patches, Dv]} to {@code [tiles, patches / s^2, H]}. */
    @Override
    public NDArray forward(NDArray imageFeatures) {
        NDArray folded = transposed ? PixelShuffle.foldTransposed(imageFeatures, shrink)
                : PixelShuffle.fold(imageFeatures, shrink);
        return linear2.forward(Activations.apply("gelu", linear1.forward(norm.forward(folded)), ops));
    }
}
