package org.vlmdistill.vision.llava;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Connector;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Activations;
import org.vlmdistill.core.nn.Linear;

/**
 * {@code LlavaMultiModalProjector}: {@code linear_2(act(linear_1(x)))}, input width
 * {@code vision_hidden * len(vision_feature_layer)}, biases per {@code multimodal_projector_bias}.
 */
public record LlavaMultiModalProjector(Linear linear1, Linear linear2, String projectorHiddenAct, TorchOps ops)
        implements Connector {

    /** @param w a view at {@code multi_modal_projector.} (or {@code model.multi_modal_projector.}) */
    public static LlavaMultiModalProjector take(Weights w, int featureSize, int textHidden, String projectorHiddenAct,
                                                boolean bias) {
        Activations.check("projector_hidden_act", projectorHiddenAct);
        return new LlavaMultiModalProjector(
                Linear.take(w, "linear_1", featureSize, textHidden, bias, 0.02),
                Linear.take(w, "linear_2", textHidden, textHidden, bias, 0.02),
                projectorHiddenAct, w.ops());
    }

    @Override
    public NDArray forward(NDArray imageFeatures) {
        return linear2.forward(Activations.apply(projectorHiddenAct, linear1.forward(imageFeatures), ops));
    }
}
