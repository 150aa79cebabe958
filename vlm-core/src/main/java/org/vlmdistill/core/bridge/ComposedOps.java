package org.vlmdistill.core.bridge;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.Scalars;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Set;

/**
 * {@link TorchOps} composed from DJL's own ops only: the fallback where libtorch lacks the stable
 * dispatcher, and the reference the bridge is tested against. Never hands bf16 or int16 to DJL.
 */
public final class ComposedOps implements TorchOps {

    @Override
    public String describe() {
        return "composed DJL ops";
    }

    @Override
    public Set<String> bridged() {
        return Set.of();
    }

    @Override
    public DType dtypeOf(NDArray x) {
        return DType.fromDjl(x.getDataType()).orElseThrow(() -> new TorchOpException("dtypeOf",
                "DJL reports " + x.getDataType() + "; only the libtorch bridge can name this dtype"));
    }

    @Override
    public NDArray cast(NDArray x, DType target) {
        if (target == DType.BF16) {
            return roundToBf16(x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false));
        }
        DataType djl = target.djl().orElseThrow(() -> new TorchOpException("cast",
                "DJL cannot hold " + target + " without the libtorch bridge"));
        return x.getDataType() == djl ? x.duplicate() : x.toType(djl, false);
    }

    /** fp32 values rounded to the nearest bf16 (ties to even), identity gradient. */
    private static NDArray roundToBf16(NDArray x) {
        ByteBuffer src = HostReads.bytes(x, "bf16 rounding without the bridge").order(ByteOrder.nativeOrder());
        FloatBuffer in = src.asFloatBuffer();
        ByteBuffer dst = ByteBuffer.allocateDirect(in.remaining() * Float.BYTES).order(ByteOrder.nativeOrder());
        FloatBuffer out = dst.asFloatBuffer();
        while (in.hasRemaining()) {
            out.put(Bf16.round(in.get()));
        }
        NDManager m = x.getManager();
        NDArray rounded = m.create(dst, x.getShape(), DataType.FLOAT32);
        // x + stopgrad(rounded - x): the values of `rounded`, the gradient of x (as torch's cast)
        return x.add(rounded.sub(x).stopGradient());
    }

    @Override
    public NDArray viewAs(NDArray x, DType target) {
        DType source = dtypeOf(x);
        if (source.byteSize() != target.byteSize()) {
            throw new TorchOpException("viewAs", "cannot view " + source + " as " + target + " (element sizes differ)");
        }
        DataType djl = target.djl().orElseThrow(() -> new TorchOpException("viewAs",
                "DJL cannot hold " + target + " without the libtorch bridge"));
        return x.getManager().create(HostReads.bytes(x, "a dtype view without the bridge"), x.getShape(), djl);
    }

    @Override
    public NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, AttentionMask mask, Double scale) {
        Shape qs = q.getShape();
        long heads = qs.get(1);
        long kvHeads = k.getShape().get(1);
        if (heads % kvHeads != 0) {
            throw new TorchOpException("scaledDotProductAttention",
                    "key/value heads " + kvHeads + " do not divide query heads " + heads);
        }
        if (kvHeads != heads) { // grouped-query: query head h reads kv head h / (heads / kvHeads)
            k = repeatHeads(k, heads / kvHeads);
            v = repeatHeads(v, heads / kvHeads);
        }
        double s = scale != null ? scale : 1.0 / Math.sqrt(qs.get(qs.dimension() - 1));
        NDArray scores = q.matMul(k.swapAxes(-1, -2));
        scores = scores.mul(Scalars.like(scores, s)); // not mul(double): see Scalars
        scores = switch (mask) {
            case AttentionMask.None none -> scores;
            case AttentionMask.Additive add -> scores.add(add.bias());
            case AttentionMask.Bool keep -> scores.add(dropBias(keep.keep(), scores.getDataType()));
            case AttentionMask.Causal causal -> {
                long lq = scores.getShape().get(scores.getShape().dimension() - 2);
                long lk = scores.getShape().get(scores.getShape().dimension() - 1);
                NDManager m = scores.getManager();
                NDArray rows = m.arange(lq).reshape(lq, 1);
                NDArray cols = m.arange(lk).reshape(1, lk);
                yield scores.add(dropBias(cols.lte(rows), scores.getDataType()));
            }
        };
        return scores.softmax(-1).matMul(v);
    }

    /** 0 where {@code keep}, -inf elsewhere. */
    private static NDArray dropBias(NDArray keep, DataType dtype) {
        NDManager m = keep.getManager();
        return NDArrays.where(keep, m.zeros(keep.getShape(), dtype),
                m.full(keep.getShape(), Float.NEGATIVE_INFINITY, dtype));
    }

    /** Grouped-query key or value heads repeated for every query head: query head h reads kv head h / groups. */
    static NDArray repeatHeads(NDArray x, long groups) {
        Shape s = x.getShape(); // [B, Hkv, L, D] -> [B, Hkv, g, L, D] -> [B, Hkv*g, L, D]
        return x.expandDims(2).broadcast(new Shape(s.get(0), s.get(1), groups, s.get(2), s.get(3)))
                .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
    }

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        NDArray y = x.matMul(weight.transpose());
        return bias == null ? y : y.add(bias);
    }

    @Override
    public NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /**
     * {@code x * sigmoid(x (A + B x^2))}, A = 2 sqrt(2/pi), B = A * 0.044715: the same function as
     * {@code 0.5 x (1 + tanh(z))} with z = sqrt(2/pi) (x + 0.044715 x^3), since {@code 0.5 (1 + tanh z)
     * = sigmoid(2z)}. This form lets autograd keep, beside x, only u = A + B x^2 and the sigmoid (the
     * 1 + tanh form keeps x^2, tanh, 1 + tanh and 0.5 x). Constants through {@link Scalars}.
     */
    @Override
    public NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        // autograd keeps the centred input and the normalized one, two more [..., d] arrays than ATen's op
        NDArray centered = x.sub(x.mean(new int[] {-1}, true));
        NDArray variance = centered.square().mean(new int[] {-1}, true);
        return centered.div(variance.add(eps).sqrt()).mul(weight).add(bias);
    }

    @Override
    public NDArray geluTanh(NDArray x) {
        NDArray u = x.square().mul(Scalars.like(x, GELU_B)).add(GELU_A);
        return x.mul(x.mul(u).getNDArrayInternal().sigmoid());
    }

    /** 2 sqrt(2/pi) and 2 sqrt(2/pi) 0.044715 (see {@link #geluTanh}). */
    static final double GELU_A = 2 * Math.sqrt(2 / Math.PI);
    static final double GELU_B = GELU_A * 0.044715;

    @Override
    public NDArray crossEntropy(NDArray logits, NDArray target, long ignoreIndex) {
        NDArray keep = target.neq(ignoreIndex);
        NDArray safeTarget = target.mul(keep.toType(target.getDataType(), false)); // ignored -> class 0
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(safeTarget.expandDims(-1), -1).squeeze(-1);
        NDArray w = keep.toType(logp.getDataType(), false);
        return picked.mul(w).sum().neg().div(w.sum());
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        DataType dtype = x.getDataType();
        NDArray y = normalizeRms(dtype == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false), eps);
        return (dtype == DataType.FLOAT32 ? y : y.toType(dtype, false)).mul(weight);
    }

    /** {@code x / sqrt(mean(x^2, last axis) + eps)} for fp32 {@code x}. */
    static NDArray normalizeRms(NDArray x32, double eps) {
        return x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
    }

    @Override
    public void adamwStep(NDArray param, NDArray grad, NDArray expAvg, NDArray expAvgSq, long step, AdamW h) {
        Adam.step(param, grad, expAvg, expAvgSq, step, h);
    }

    /** AdamW composed from in-place DJL element ops (no gradient is recorded for the update). */
    static final class Adam {
        private Adam() {}

        static void step(NDArray p, NDArray g, NDArray m, NDArray v, long t, AdamW h) {
            if (t < 1) {
                throw new IllegalArgumentException("AdamW step counts from 1, got " + t);
            }
            double bc1 = 1 - Math.pow(h.beta1(), t);
            double bc2 = 1 - Math.pow(h.beta2(), t);
            try (NDManager scope = p.getManager().newSubManager()) {
                NDArray gs = g.duplicate();
                gs.attach(scope);
                p.muli(1 - h.lr() * h.weightDecay());
                m.muli(h.beta1()).addi(gs.mul(1 - h.beta1()));
                v.muli(h.beta2()).addi(gs.square().muli(1 - h.beta2()));
                NDArray denom = v.sqrt().divi(Math.sqrt(bc2)).addi(h.eps());
                NDArray update = m.div(denom).muli(h.lr() / bc1);
                p.subi(update);
                denom.attach(scope);
                update.attach(scope);
            }
        }
    }
}
