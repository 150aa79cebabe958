package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.decoder.rope.Rope;

/**
 * {@code LlamaRotaryEmbedding} and {@code apply_rotary_pos_emb}: cos and sin of
 * {@code position * inv_freq}, computed in fp32 and cast to the activations' dtype, applied with
 * {@code rotate_half} (the two halves of head_dim form the pairs, as HF's checkpoints expect).
 */
final class LlamaRotaryEmbedding {
    private final Rope rope;
    private final TorchOps ops;

    LlamaRotaryEmbedding(Rope rope, TorchOps ops) {
        this.rope = rope;
        this.ops = ops;
    }

    /**
     * @param positions {@code [batch, seq]} int64 position ids, on the model's device
     * @param seqLen    the largest position plus one, as {@link Rope#invFreq} takes it
     * @return cos and sin, each {@code [batch, 1, seq, head_dim]} in {@code dtype}: the head axis made once
     *         here, for every layer's {@link #apply} to broadcast over
     */
    NDArray[] cosSin(NDManager manager, NDArray positions, long seqLen, DType dtype) {
        float[] invFreq = rope.invFreq(seqLen);
        // freqs = position ⊗ inv_freq: [batch, seq, 1] * [half] -> [batch, seq, half]
        NDArray pos = positions.toType(DataType.FLOAT32, false).expandDims(2);
        NDArray freqs = pos.mul(manager.create(invFreq));
        NDArray emb = freqs.concat(freqs, -1); // [batch, seq, head_dim]
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        double scaling = rope.attentionScaling();
        if (scaling != 1.0) {
            cos = cos.mul(scaling);
            sin = sin.mul(scaling);
        }
        if (dtype != DType.F32) {
            cos = ops.cast(cos, dtype);
            sin = ops.cast(sin, dtype);
        }
        return new NDArray[] {cos.expandDims(1), sin.expandDims(1)};
    }

    /**
     * {@code x * cos + rotate_half(x) * sin}.
     *
     * @param x   [batch, heads, seq, head_dim]
     * @param cos [batch, 1, seq, head_dim], as {@link #cosSin} gives it
     */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(rotateHalf(x).mul(sin));
    }

    /** {@code cat(-x2, x1)} where x1 and x2 are the halves of the last axis. */
    static NDArray rotateHalf(NDArray x) {
        int last = x.getShape().dimension() - 1; // split wants a non-negative axis
        long half = x.getShape().get(last) / 2;
        // both halves as views from one split (one libtorch call; two index reads would parse an NDIndex each)
        NDList halves = x.split(new long[] {half}, last);
        return NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), -1);
    }
}
