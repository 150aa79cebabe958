package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;

/**
 * How a decoder layer's attention gets its queries, keys and values from its input: three
 * projections ({@code q_proj}, {@code k_proj}, {@code v_proj}: Llama, Qwen2) or one packed one whose
 * output is split (InternLM2's {@code wqkv}).
 */
public interface QkvProjection {

    /**
     * @param x [batch, seq, hidden]
     * @return q [batch, heads, seq, head_dim], k and v [batch, kv_heads, seq, head_dim], before RoPE
     */
    NDArray[] forward(NDArray x);

    /** Takes a layer's projection tensors from its attention's weights ({@code layers.N.self_attn.}). */
    @FunctionalInterface
    interface Factory {
        QkvProjection take(TextConfig config, Weights attention);
    }
}
