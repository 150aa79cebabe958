package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;
import org.vlmdistill.decoder.cache.DynamicKvCache;

/**
 * {@code LlamaAttention} / {@code Qwen2Attention}: multi-head attention with RoPE on q and k and
 * grouped-query key/value heads ({@code num_key_value_heads} dividing {@code num_attention_heads}),
 * scale {@code head_dim^-0.5}.
 */
final class LlamaAttention {
    private final int layerIdx;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Linear qProj; // [heads * head_dim, hidden]
    private final Linear kProj; // [kvHeads * head_dim, hidden]
    private final Linear vProj; // [kvHeads * head_dim, hidden]
    private final Linear oProj; // [hidden, heads * head_dim]
    private final TorchOps ops;

    LlamaAttention(TextConfig c, Weights w, int layerIdx) {
        this.layerIdx = layerIdx;
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        double std = c.initializerRange();
        long hidden = c.hiddenSize();
        qProj = Linear.take(w, "q_proj", hidden, (long) heads * headDim, c.qkvBias(), std);
        kProj = Linear.take(w, "k_proj", hidden, (long) kvHeads * headDim, c.qkvBias(), std);
        vProj = Linear.take(w, "v_proj", hidden, (long) kvHeads * headDim, c.qkvBias(), std);
        oProj = Linear.take(w, "o_proj", (long) heads * headDim, hidden, c.oProjBias(), std);
        // Older checkpoints store the rotary buffer; it is recomputed from the config.
        w.ignore("rotary_emb.inv_freq");
        ops = w.ops();
    }

    /**
     * @param x   [batch, seq, hidden]
     * @param cos [batch, seq, head_dim]
     * @param sin [batch, seq, head_dim]
     * @return [batch, seq, hidden]
     */
    NDArray forward(NDArray x, NDArray cos, NDArray sin, AttentionMask mask, DynamicKvCache cache) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        NDArray q = qProj.forward(x).reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3); // [b, h, s, d]
        NDArray k = kProj.forward(x).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3); // [b, kv, s, d]
        NDArray v = vProj.forward(x).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3); // [b, kv, s, d]
        q = LlamaRotaryEmbedding.apply(q, cos, sin);
        k = LlamaRotaryEmbedding.apply(k, cos, sin);
        if (cache != null) {
            NDArray[] kv = cache.update(layerIdx, k, v); // [b, kv, past + s, d]
            k = kv[0];
            v = kv[1];
        }
        NDArray o = ops.scaledDotProductAttention(q, k, v, mask, null); // [b, h, s, d]
        return oProj.forward(o.transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * headDim));
    }
}
