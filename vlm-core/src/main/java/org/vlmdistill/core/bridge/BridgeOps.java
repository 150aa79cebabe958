package org.vlmdistill.core.bridge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.vlmdistill.core.tensor.DType;

import java.util.Set;
import java.util.TreeSet;

/**
 * {@link TorchOps} through libtorch's stable C dispatcher ({@link LibTorchDispatcher}), so the ops
 * run as ATen's own kernels (CPU flash attention, fused cross entropy) with autograd. The tanh GELU
 * goes through the C++ dispatcher entry of {@code aten::gelu} where this libtorch exports it ({@link
 * LibTorchDispatcher#gelu}), composed otherwise.
 *
 * <p>rms_norm and the fused AdamW step take list arguments ({@code int[]}, {@code Tensor[]}),
 * which the dispatcher of libtorch 2.7.1 cannot convert: they are composed from DJL ops here too,
 * and {@link #bridged()} says so.
 */
public final class BridgeOps implements TorchOps {
    static final Set<String> STABLE = Set.of("dtypeOf", "cast", "viewAs", "scaledDotProductAttention",
            "linear", "layerNorm", "silu", "crossEntropy");

    private final LibTorchDispatcher dispatcher;
    private final ComposedOps composed = new ComposedOps();
    private final Set<String> bridged;
    // each op named once (LibTorchDispatcher.Op): a call then passes two pointers, not two new C strings
    private final LibTorchDispatcher.Op toCopy;
    private final LibTorchDispatcher.Op viewDtype;
    private final LibTorchDispatcher.Op sdpa;
    private final LibTorchDispatcher.Op siluOp;
    private final LibTorchDispatcher.Op crossEntropyLoss;

    public BridgeOps(LibTorchDispatcher dispatcher) {
        this.dispatcher = dispatcher;
        var all = new TreeSet<>(STABLE);
        if (dispatcher.hasGelu()) {
            all.add("geluTanh");
        }
        this.bridged = Set.copyOf(all);
        toCopy = dispatcher.resolve("aten::_to_copy", "");
        viewDtype = dispatcher.resolve("aten::view", "dtype");
        sdpa = dispatcher.resolve("aten::scaled_dot_product_attention", "");
        siluOp = dispatcher.resolve("aten::silu", "");
        crossEntropyLoss = dispatcher.resolve("aten::cross_entropy_loss", "");
    }

    @Override
    public String describe() {
        return "libtorch " + dispatcher.libtorchVersion() + " stable dispatcher (bridged: "
                + String.join(", ", bridged.stream().sorted().toList()) + "; composed: rmsNorm, adamwStep"
                + (dispatcher.hasGelu() ? "" : ", geluTanh")
                + (dispatcher.hasVersionedDispatcher()
                        ? "; this libtorch's versioned dispatcher could take lists, not used yet)" : ")");
    }

    @Override
    public Set<String> bridged() {
        return bridged;
    }

    @Override
    public DType dtypeOf(NDArray x) {
        int code = dispatcher.dtypeCode(x);
        for (DType d : DType.values()) {
            if (d.atenCode() == code) {
                return d;
            }
        }
        throw new TorchOpException("dtypeOf", "tensor has ATen dtype code " + code + ", which this project does not use");
    }

    @Override
    public NDArray cast(NDArray x, DType target) {
        // aten::_to_copy(Tensor self, *, ScalarType? dtype, Layout? layout, Device? device,
        //                bool? pin_memory, bool non_blocking=False, MemoryFormat? memory_format)
        try (var call = dispatcher.op(toCopy)) {
            return call.tensor(x).optionalScalarType(target.atenCode()).none().none().none()
                    .bool(false).none().call1();
        }
    }

    @Override
    public NDArray viewAs(NDArray x, DType target) {
        // aten::view.dtype(Tensor(a) self, ScalarType dtype) -> Tensor(a)
        try (var call = dispatcher.op(viewDtype)) {
            return call.tensor(x).scalarType(target.atenCode()).call1();
        }
    }

    @Override
    public NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, AttentionMask mask, Double scale) {
        long heads = q.getShape().get(1);
        long kvHeads = k.getShape().get(1);
        if (heads % kvHeads != 0) {
            throw new TorchOpException("aten::scaled_dot_product_attention",
                    "key/value heads " + kvHeads + " do not divide query heads " + heads);
        }
        if (kvHeads != heads) {
            // Grouped-query heads are repeated here rather than passed with enable_gqa=True: libtorch
            // 2.7.1's CPU flash kernel takes no GQA, so enable_gqa falls back to the math path, which
            // keeps the [batch, heads, q, k] probabilities for backward (65 against 13 MiB a SmolVLM
            // decoder layer at 1,141 tokens, the repeated k and v included).
            k = ComposedOps.repeatHeads(k, heads / kvHeads);
            v = ComposedOps.repeatHeads(v, heads / kvHeads);
        }
        // aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value,
        //     Tensor? attn_mask=None, float dropout_p=0.0, bool is_causal=False, *,
        //     float? scale=None, bool enable_gqa=False) -> Tensor
        try (var call = dispatcher.op(sdpa)) {
            call.tensor(q).tensor(k).tensor(v);
            switch (mask) {
                case AttentionMask.None none -> call.optionalTensor(null);
                case AttentionMask.Causal causal -> call.optionalTensor(null);
                case AttentionMask.Additive add -> call.optionalTensor(add.bias());
                case AttentionMask.Bool keep -> call.optionalTensor(keep.keep().getDataType() == DataType.BOOLEAN
                        ? keep.keep() : keep.keep().toType(DataType.BOOLEAN, false));
            }
            return call.float64(0.0).bool(mask instanceof AttentionMask.Causal)
                    .optionalFloat64(scale).bool(false).call1();
        }
    }

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        // at::linear through DJL's JNI (torchNNLinear): the same ATen function aten::linear dispatches to,
        // in one call on DJL's handles, where the stable dispatcher needs a fresh handle per argument, a
        // heap cell for the optional bias and a schema lookup by name (vlmd bench ops: ~2 us less a call)
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    @Override
    public NDArray silu(NDArray x) {
        try (var call = dispatcher.op(siluOp)) {
            return call.tensor(x).call1();
        }
    }

    /** aten::gelu(Tensor self, *, str approximate='tanh'); composed where the C++ entry is absent. */
    @Override
    public NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        // at::layer_norm through DJL's JNI, one op whose backward keeps only the input's per-row mean and
        // 1/std: the composed form keeps two [..., d] arrays more (SigLIP's 25 norms at 1,024 tokens x 768:
        // 150 MiB of a SmolVLM-256M step)
        return JniUtils.layerNorm((PtNDArray) x, new Shape(x.getShape().get(x.getShape().dimension() - 1)),
                (PtNDArray) weight, (PtNDArray) bias, eps);
    }

    @Override
    public NDArray geluTanh(NDArray x) {
        return dispatcher.hasGelu() ? dispatcher.gelu(x, "tanh") : composed.geluTanh(x);
    }

    @Override
    public NDArray crossEntropy(NDArray logits, NDArray target, long ignoreIndex) {
        // aten::cross_entropy_loss(Tensor self, Tensor target, Tensor? weight=None,
        //     int reduction=Mean (1), SymInt ignore_index=-100, float label_smoothing=0.0)
        try (var call = dispatcher.op(crossEntropyLoss)) {
            return call.tensor(logits).tensor(target).optionalTensor(null).int64(1).int64(ignoreIndex)
                    .float64(0.0).call1();
        }
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        // DJL cannot name bf16, so the fp32 round trip goes through the bridge's casts
        DType dtype = dtypeOf(x);
        NDArray y = ComposedOps.normalizeRms(dtype == DType.F32 ? x : cast(x, DType.F32), eps);
        return (dtype == DType.F32 ? y : cast(y, dtype)).mul(weight);
    }

    @Override
    public void adamwStep(NDArray param, NDArray grad, NDArray expAvg, NDArray expAvgSq, long step, AdamW hyper) {
        composed.adamwStep(param, grad, expAvg, expAvgSq, step, hyper);
    }
}
