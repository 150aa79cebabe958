package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;

/** {@code q_proj}, {@code k_proj}, {@code v_proj} as LlamaAttention and Qwen2Attention have them. */
final class SplitQkv implements QkvProjection {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Linear qProj; // [heads * head_dim, hidden]
    private final Linear kProj; // [kvHeads * head_dim, hidden]
    private final Linear vProj; // [kvHeads * head_dim, hidden]

    private SplitQkv(TextConfig c, Weights w) {
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        double std = c.initializerRange();
        long hidden = c.hiddenSize();
        qProj = Linear.take(w, "q_proj", hidden, (long) heads * headDim, c.qkvBias(), std);
        kProj = Linear.take(w, "k_proj", hidden, (long) kvHeads * headDim, c.qkvBias(), std);
        vProj = Linear.take(w, "v_proj", hidden, (long) kvHeads * headDim, c.qkvBias(), std);
    }

    static QkvProjection take(TextConfig c, Weights attention) {
        return new SplitQkv(c, attention);
    }

    @Override
    public NDArray[] forward(NDArray x) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        NDArray q = qProj.forward(x).reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3); // [b, h, s, d]
        NDArray k = kProj.forward(x).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3); // [b, kv, s, d]
        NDArray v = vProj.forward(x).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3); // [b, kv, s, d]
        return new NDArray[] {q, k, v};
    }
}
