package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;

/**
 * {@code y = x W^T + b}: torch's {@code nn.Linear}, weight {@code [out, in]} at {@code NAME.weight},
 * bias {@code [out]} at {@code NAME.bias} (null when the layer has none).
 */
public record Linear(NDArray weight, NDArray bias, TorchOps ops) {

    /** Takes {@code name.weight} (N(0, std)) and, if {@code hasBias}, {@code name.bias} (zeros). */
    public static Linear take(Weights w, String name, long in, long out, boolean hasBias, double std) {
        NDArray weight = w.take(name + ".weight", Init.normal(std), out, in);
        NDArray bias = hasBias ? w.take(name + ".bias", Init.ZEROS, out) : null;
        return new Linear(weight, bias, w.ops());
    }

    /** [..., in] to [..., out]. */
    public NDArray forward(NDArray x) {
        return ops.linear(x, weight, bias);
    }
}
