package org.vlmdistill.decoder.internlm2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;
import org.vlmdistill.decoder.llama.QkvProjection;

/**
 * InternLM2's packed {@code attention.wqkv}: one projection of {@code (heads + 2 * kv_heads) * head_dim}
 * rows in the {@code (h gs d)} layout. The rows come in {@code kv_heads} groups, one per key/value
 * head; each group holds {@code gs = heads / kv_heads + 2} blocks of {@code head_dim} rows: that kv
 * head's {@code heads / kv_heads} query heads, then its key, then its value. Query head
 * {@code g * heads/kv_heads + i} is group g's i-th, as {@code rearrange('b q h gs d -> b q (h gs) d')}
 * orders them.
 *
 * <p>The split is slices and reshapes of the projection's output, so gradients flow to {@code wqkv}
 * and the parameter keeps its checkpoint name and layout: a saved model is the checkpoint's layout.
 */
final class PackedWqkv implements QkvProjection {
    private final int kvHeads;
    private final int groupSize; // query heads per kv head
    private final int headDim;
    private final Linear wqkv;   // [(heads + 2 * kv_heads) * head_dim, hidden]

    private PackedWqkv(TextConfig c, Weights attention) {
        kvHeads = c.numKeyValueHeads();
        groupSize = c.numAttentionHeads() / kvHeads;
        headDim = c.headDim();
        long rows = (long) (c.numAttentionHeads() + 2 * kvHeads) * headDim;
        // A checkpoint whose wqkv has other rows is reported by the loader with the tensor's name,
        // the shape these head counts imply and the shape it holds.
        wqkv = Linear.take(attention, "wqkv", c.hiddenSize(), rows, c.qkvBias(), c.initializerRange());
    }

    static QkvProjection take(TextConfig c, Weights attention) {
        return new PackedWqkv(c, attention);
    }

    @Override
    public NDArray[] forward(NDArray x) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        // [b, s, (kv (gs+2) d)] -> [b, s, kv, gs + 2, d]
        NDArray packed = wqkv.forward(x).reshape(batch, seq, kvHeads, groupSize + 2, headDim);
        NDArray q = packed.get(new NDIndex(":, :, :, :{}, :", groupSize))          // [b, s, kv, gs, d]
                .reshape(batch, seq, (long) kvHeads * groupSize, headDim)         // [b, s, h, d]
                .transpose(0, 2, 1, 3);                                           // [b, h, s, d]
        NDArray k = packed.get(new NDIndex(":, :, :, {}, :", groupSize)).transpose(0, 2, 1, 3);     // [b, kv, s, d]
        NDArray v = packed.get(new NDIndex(":, :, :, {}, :", groupSize + 1)).transpose(0, 2, 1, 3); // [b, kv, s, d]
        return new NDArray[] {q, k, v};
    }
}
