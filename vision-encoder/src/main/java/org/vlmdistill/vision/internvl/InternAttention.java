package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.InternVisionConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;
import org.vlmdistill.core.nn.RmsNorm;

import java.util.Optional;

/**
 * {@code InternAttention}: full (unmasked) multi-head attention, scale {@code head_dim^-0.5}, from one
 * packed projection {@code qkv} {@code [3 hidden, hidden]} whose rows are q, then k, then v, each
 * head-major ({@code view(B, N, 3, heads, head_dim)}); with {@code qk_normalization} the queries and keys
 * are RMS-normalized over the whole width ({@code q_norm}, {@code k_norm}, eps {@code layer_norm_eps})
 * before being split into heads. {@code proj} has a bias. transformers' layout holds the packed rows as
 * {@code q_proj}, {@code k_proj}, {@code v_proj} and {@code proj} as {@code projection_layer}.
 */
public record InternAttention(Projection qkv, Optional<RmsNorm> qNorm, Optional<RmsNorm> kNorm, Linear proj,
                              int numHeads, TorchOps ops) {

    /** The queries, keys and values: one packed projection, or three (transformers' layout). */
    public sealed interface Projection {
        /** {@code [b, l, hidden]} to q, k, v, each {@code [b, l, hidden]}. */
        NDList forward(NDArray x);
    }

    /** {@code qkv} {@code [3 hidden, hidden]}: rows q, then k, then v. */
    public record Packed(Linear qkv) implements Projection {
        @Override
        public NDList forward(NDArray x) {
            return qkv.forward(x).split(3, 2);
        }
    }

    /** {@code q_proj}, {@code k_proj}, {@code v_proj}: the packed rows in three tensors. */
    public record Split(Linear q, Linear k, Linear v) implements Projection {
        @Override
        public NDList forward(NDArray x) {
            return new NDList(q.forward(x), k.forward(x), v.forward(x));
        }
    }

    /** @param w a view at the layer's attention ({@code attn.} or {@code attention.}) */
    public static InternAttention take(InternVisionConfig c, Weights w, InternVLLayout names) {
        long d = c.hiddenSize();
        double std = c.initializerRange();
        Projection qkv = names.packedQkv ? new Packed(Linear.take(w, "qkv", d, 3 * d, c.qkvBias(), std))
                : new Split(Linear.take(w, "q_proj", d, d, c.qkvBias(), std),
                        Linear.take(w, "k_proj", d, d, c.qkvBias(), std),
                        Linear.take(w, "v_proj", d, d, c.qkvBias(), std));
        Optional<RmsNorm> qNorm = c.qkNormalization()
                ? Optional.of(RmsNorm.take(w, "q_norm", d, c.layerNormEps())) : Optional.empty();
        Optional<RmsNorm> kNorm = c.qkNormalization()
                ? Optional.of(RmsNorm.take(w, "k_norm", d, c.layerNormEps())) : Optional.empty();
        return new InternAttention(qkv, qNorm, kNorm, Linear.take(w, names.attentionOut, d, d, true, std),
                c.numAttentionHeads(), w.ops());
    }

    /** {@code [batch, seq, hidden]} to {@code [batch, seq, hidden]}. */
    public NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        long d = x.getShape().get(2);
        NDList qkvSplit = qkv.forward(x);
        NDArray q = qkvSplit.get(0);
        NDArray k = qkvSplit.get(1);
        if (qNorm.isPresent()) {
            q = qNorm.get().forward(q);
            k = kNorm.orElseThrow().forward(k);
        }
        long hd = d / numHeads;
        NDArray attn = ops.scaledDotProductAttention(heads(q, b, l, hd), heads(k, b, l, hd),
                heads(qkvSplit.get(2), b, l, hd), AttentionMask.none(), null);
        return proj.forward(attn.transpose(0, 2, 1, 3).reshape(b, l, d));
    }

    /** {@code [b, l, heads * hd]} to {@code [b, heads, l, hd]}. */
    private NDArray heads(NDArray x, long b, long l, long hd) {
        return x.reshape(b, l, numHeads, hd).transpose(0, 2, 1, 3);
    }
}
