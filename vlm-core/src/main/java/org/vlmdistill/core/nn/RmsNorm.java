package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;

/** {@code x / sqrt(mean(x^2) + eps) * weight} over the last axis (LlamaRMSNorm), weight at {@code NAME.weight}. */
public record RmsNorm(NDArray weight, double eps, TorchOps ops) {

    public static RmsNorm take(Weights w, String name, long dim, double eps) {
        return new RmsNorm(w.take(name + ".weight", Init.ONES, dim), eps, w.ops());
    }

    public NDArray forward(NDArray x) {
        return ops.rmsNorm(x, weight, eps);
    }
}
