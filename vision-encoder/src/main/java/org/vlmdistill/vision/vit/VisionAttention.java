package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Linear;

/** {@code SiglipAttention} / {@code CLIPAttention}: full (unmasked) multi-head attention, scale head_dim^-0.5. */
public record VisionAttention(Linear qProj, Linear kProj, Linear vProj, Linear outProj, int numHeads, TorchOps ops) {

    public static VisionAttention take(VisionConfig c, Weights w) {
        long d = c.hiddenSize();
        return new VisionAttention(
                Linear.take(w, "q_proj", d, d, true, 0.02),
                Linear.take(w, "k_proj", d, d, true, 0.02),
                Linear.take(w, "v_proj", d, d, true, 0.02),
                Linear.take(w, "out_proj", d, d, true, 0.02),
                c.numAttentionHeads(), w.ops());
    }

    /** [batch, seq, hidden] to [batch, seq, hidden]. */
    public NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        long d = x.getShape().get(2);
        long hd = d / numHeads;
        NDArray q = heads(qProj.forward(x), b, l, hd);
        NDArray k = heads(kProj.forward(x), b, l, hd);
        NDArray v = heads(vProj.forward(x), b, l, hd);
        NDArray attn = ops.scaledDotProductAttention(q, k, v, AttentionMask.none(), null);
        return outProj.forward(attn.transpose(0, 2, 1, 3).reshape(b, l, d));
    }

    /** [b, l, heads * hd] to [b, heads, l, hd]. */
    private NDArray heads(NDArray x, long b, long l, long hd) {
        return x.reshape(b, l, numHeads, hd).transpose(0, 2, 1, 3);
    }
}
