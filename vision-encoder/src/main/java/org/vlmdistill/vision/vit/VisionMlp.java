package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Activations;
import org.vlmdistill.core.nn.Linear;

/** {@code SiglipMLP} / {@code CLIPMLP}: {@code fc2(act(fc1(x)))}. */
public record VisionMlp(Linear fc1, Linear fc2, String hiddenAct, TorchOps ops) {

    public static VisionMlp take(Weights w, long hidden, long intermediate, String hiddenAct) {
        Activations.check("hidden_act", hiddenAct);
        return new VisionMlp(Linear.take(w, "fc1", hidden, intermediate, true, 0.02),
                Linear.take(w, "fc2", intermediate, hidden, true, 0.02), hiddenAct, w.ops());
    }

    public NDArray forward(NDArray x) {
        return fc2.forward(Activations.apply(hiddenAct, fc1.forward(x), ops));
    }
}
