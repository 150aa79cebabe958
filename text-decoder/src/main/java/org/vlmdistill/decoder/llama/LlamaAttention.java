package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;
import org.vlmdistill.decoder.cache.DynamicKvCache;

/**
 * {@code LlamaAttention} / {@code Qwen2Attention} / {@code InternLM2Attention}: multi-head attention
 * with RoPE on q and k and grouped-query key/value heads ({@code num_key_value_heads} dividing
 * {@code num_attention_heads}), scale {@code head_dim^-0.5}; q, k and v as the layout's
 * {@link QkvProjection} gives them.
 */
final class LlamaAttention {
    private final int layerIdx;
    private final int heads;
    private final int headDim;
    private final QkvProjection qkv;
    private final Linear oProj; // [hidden, heads * head_dim]
    private final TorchOps ops;

    LlamaAttention(TextConfig c, Weights w, int layerIdx, DecoderLayout layout) {
        this.layerIdx = layerIdx;
        heads = c.numAttentionHeads();
        headDim = c.headDim();
        qkv = layout.qkv().take(c, w);
        oProj = Linear.take(w, layout.oProj(), (long) heads * headDim, c.hiddenSize(), c.oProjBias(),
                c.initializerRange());
        // Older checkpoints store the rotary buffer; it is recomputed from the config.
        w.ignore("rotary_emb.inv_freq");
        ops = w.ops();
    }

    /**
     * @param x   [batch, seq, hidden]
     * @param cos [batch, 1, seq, head_dim] (LlamaRotaryEmbedding.cosSin)
     * @param sin [batch, 1, seq, head_dim]
     * @return [batch, seq, hidden]
     */
    NDArray forward(NDArray x, NDArray cos, NDArray sin, AttentionMask mask, DynamicKvCache cache) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        NDArray[] qkvStates = qkv.forward(x);
        NDArray q = LlamaRotaryEmbedding.apply(qkvStates[0], cos, sin); // [b, h, s, d]
        NDArray k = LlamaRotaryEmbedding.apply(qkvStates[1], cos, sin); // [b, kv, s, d]
        NDArray v = qkvStates[2];                                       // [b, kv, s, d]
        if (cache != null) {
            NDArray[] kv = cache.update(layerIdx, k, v); // [b, kv, past + s, d]
            k = kv[0];
            v = kv[1];
        }
        NDArray o = ops.scaledDotProductAttention(q, k, v, mask, null); // [b, h, s, d]
        return oProj.forward(o.transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * headDim));
    }
}
