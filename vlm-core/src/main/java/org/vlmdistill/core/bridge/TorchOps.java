package org.vlmdistill.core.bridge;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.vlmdistill.core.tensor.DType;

import java.util.Set;

/**
 * The ops DJL lacks (bf16, attention, fused activations and losses), behind one seam: {@link
 * BridgeOps} runs them through libtorch's stable C dispatcher, {@link ComposedOps} composes them
 * from DJL's own ops. Both record autograd. Pick one with {@link OpsMode} (see {@code
 * ComputePolicy}); tests compare the two on fresh random inputs.
 */
public interface TorchOps {

    /** Which implementation answers, for logs and reports. */
    String describe();

    /** The ops this instance runs through libtorch directly; the rest are composed from DJL ops. */
    Set<String> bridged();

    /** The real dtype of an array, including those DJL reports as UNKNOWN (bf16, int16). */
    DType dtypeOf(NDArray x);

    /**
     * {@code x} converted to {@code target}. The composed implementation cannot hold bf16 in DJL:
     * for {@code BF16} it returns fp32 values rounded to bf16 (round to nearest even), with the
     * identity as gradient.
     */
    NDArray cast(NDArray x, DType target);

    /**
     * The same bytes seen as another dtype ({@code torch.Tensor.view(dtype)}); where the element
     * sizes differ the last dimension scales (the bridge only; composed ops need equal sizes).
     */
    NDArray viewAs(NDArray x, DType target);

    /**
     * Scaled dot-product attention, {@code softmax(q k^T * scale + mask) v}.
     *
     * @param q     [batch, heads, queryLen, headDim]
     * @param k     [batch, kvHeads, keyLen, headDim]; grouped-query when kvHeads divides heads
     * @param v     [batch, kvHeads, keyLen, headDim]
     * @param scale null for {@code 1/sqrt(headDim)}
     * @return [batch, heads, queryLen, headDim]
     */
    NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, AttentionMask mask, Double scale);

    /**
     * {@code x W^T + b}, torch's {@code F.linear}.
     *
     * @param x      [..., in]
     * @param weight [out, in]
     * @param bias   [out], or null for none
     * @return [..., out]
     */
    NDArray linear(NDArray x, NDArray weight, NDArray bias);

    /** {@code x * sigmoid(x)}. */
    NDArray silu(NDArray x);

    /**
     * Layer normalization over the last dimension, {@code (x - mean) / sqrt(var + eps) * weight + bias}
     * with the biased variance: torch's {@code F.layer_norm(x, (d,), weight, bias, eps)}.
     *
     * @param x      [..., d], fp32
     * @param weight [d], fp32
     * @param bias   [d], fp32
     */
    NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps);

    /**
     * The tanh approximation of GELU, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}: torch's
     * {@code F.gelu(x, approximate="tanh")}, transformers' {@code gelu_pytorch_tanh} / {@code gelu_new}
     * / {@code gelu_fast} (equal up to rounding).
     */
    NDArray geluTanh(NDArray x);

    /**
     * Mean cross entropy of {@code logits} [N, V] against int64 {@code target} [N], over the
     * positions whose target is not {@code ignoreIndex} (HF uses -100). NaN when all are ignored,
     * as torch.
     */
    NDArray crossEntropy(NDArray logits, NDArray target, long ignoreIndex);

    /** {@code x / sqrt(mean(x^2, last axis) + eps) * weight}, computed in fp32, result in x's dtype. */
    NDArray rmsNorm(NDArray x, NDArray weight, double eps);

    /**
     * One AdamW step on {@code param} in place, PyTorch's {@code torch.optim.AdamW} semantics:
     * {@code p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)}. {@code expAvg} and {@code expAvgSq}
     * are updated in place; {@code step} counts from 1.
     */
    void adamwStep(NDArray param, NDArray grad, NDArray expAvg, NDArray expAvgSq, long step,
                   AdamW hyper);

    /**
     * libtorch's backward from {@code root} seeded with {@code gradient} of root's shape, as
     * {@code torch.autograd.backward(root, gradient)}: every leaf that requires gradient accumulates
     * {@code gradient . d root / d leaf}, and the graph is freed. (DJL's {@code GradientCollector}
     * seeds with ones only.) The same call for both implementations: it is autograd's own.
     */
    default void backward(NDArray root, NDArray gradient) {
        JniUtils.backward((PtNDArray) root, (PtNDArray) gradient, false, false);
    }

    /** Whether autograd records ops on this thread (torch's {@code is_grad_enabled()}). */
    default boolean gradMode() {
        return JniUtils.isGradMode();
    }

    /** Turns recording on or off for this thread (torch's {@code set_grad_enabled}). */
    default void gradMode(boolean on) {
        JniUtils.setGradMode(on);
    }

    /** AdamW's hyper-parameters, torch's defaults in {@link #defaults(double)}. */
    record AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public static AdamW defaults(double lr) {
            return new AdamW(lr, 0.9, 0.999, 1e-8, 0.01);
        }
    }
}
