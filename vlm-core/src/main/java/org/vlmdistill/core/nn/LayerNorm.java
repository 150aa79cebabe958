package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.tensor.DType;

/**
 * torch's {@code nn.LayerNorm} over the last axis: {@code (x - mean) / sqrt(var + eps) * weight + bias},
 * biased variance, computed in fp32 and returned in x's dtype (as autocast runs layer_norm).
 */
public record LayerNorm(NDArray weight, NDArray bias, double eps, TorchOps ops) {

    public static LayerNorm take(Weights w, String name, long dim, double eps) {
        return new LayerNorm(w.take(name + ".weight", Init.ONES, dim), w.take(name + ".bias", Init.ZEROS, dim),
                eps, w.ops());
    }

    public NDArray forward(NDArray x) {
        DType dtype = ops.dtypeOf(x);
        NDArray x32 = dtype == DType.F32 ? x : ops.cast(x, DType.F32);
        NDArray w32 = ops.dtypeOf(weight) == DType.F32 ? weight : ops.cast(weight, DType.F32);
        NDArray b32 = ops.dtypeOf(bias) == DType.F32 ? bias : ops.cast(bias, DType.F32);
        NDArray y = ops.layerNorm(x32, w32, b32, eps);
        return dtype == DType.F32 ? y : ops.cast(y, dtype);
    }
}
