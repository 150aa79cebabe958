package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.nn.LayerScope;
import org.vlmdistill.core.nn.RmsNorm;
import org.vlmdistill.decoder.cache.DynamicKvCache;

/** {@code LlamaDecoderLayer}: {@code h = x + attn(norm(x)); out = h + mlp(norm(h))}. */
final class LlamaDecoderLayer {
    private final LlamaAttention selfAttn;
    private final LlamaMlp mlp;
    private final RmsNorm inputLayernorm;         // [hidden]
    private final RmsNorm postAttentionLayernorm; // [hidden]
    private final ActivationCheckpoints checkpoints;

    LlamaDecoderLayer(TextConfig c, Weights w, int layerIdx, DecoderLayout layout) {
        selfAttn = new LlamaAttention(c, w.at(layout.attention()), layerIdx, layout);
        mlp = new LlamaMlp(c, w.at(layout.mlp()), layout);
        inputLayernorm = RmsNorm.take(w, layout.inputNorm(), c.hiddenSize(), c.rmsNormEps());
        postAttentionLayernorm = RmsNorm.take(w, layout.postAttentionNorm(), c.hiddenSize(), c.rmsNormEps());
        checkpoints = w.checkpoints();
    }

    /**
     * [batch, seq, hidden] to [batch, seq, hidden]; its temporaries are closed on return ({@link LayerScope};
     * the cache unregisters what it keeps). Without a cache it is recomputed in the backward when the
     * model checkpoints activations ({@link ActivationCheckpoints}).
     */
    NDArray forward(NDArray x, NDArray cos, NDArray sin, AttentionMask mask, DynamicKvCache cache) {
        if (cache != null) {
            return LayerScope.run(() -> compute(x, cos, sin, mask, cache));
        }
        return checkpoints.run(x, in -> compute(in, cos, sin, mask, null));
    }

    private NDArray compute(NDArray x, NDArray cos, NDArray sin, AttentionMask mask, DynamicKvCache cache) {
        NDArray h = x.add(selfAttn.forward(inputLayernorm.forward(x), cos, sin, mask, cache));
        return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
    }
}
