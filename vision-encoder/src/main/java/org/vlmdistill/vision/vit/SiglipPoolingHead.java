package org.vlmdistill.vision.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.LayerNorm;
import org.vlmdistill.core.nn.Linear;

/**
 * {@code SiglipMultiheadAttentionPoolingHead} ({@code head.*}, when {@code vision_use_head}): a learned
 * probe attends over the last hidden state ({@code nn.MultiheadAttention}, packed {@code in_proj}),
 * then {@code x + mlp(layernorm(x))}. LLaVA's features do not use it; a checkpoint holds it, so the
 * tower takes it to load, save and count it.
 *
 * @param probe       [1, 1, hidden]
 * @param inProjWeight [3 hidden, hidden] (q, k, v stacked)
 * @param inProjBias  [3 hidden]
 */
public record SiglipPoolingHead(NDArray probe, NDArray inProjWeight, NDArray inProjBias, Linear outProj,
                                LayerNorm layernorm, VisionMlp mlp, int numHeads, TorchOps ops) {

    public static SiglipPoolingHead take(VisionConfig c, Weights w) {
        long d = c.hiddenSize();
        return new SiglipPoolingHead(
                w.take("probe", Init.normal(0.02), 1, 1, d),
                w.take("attention.in_proj_weight", Init.normal(0.02), 3 * d, d),
                w.take("attention.in_proj_bias", Init.ZEROS, 3 * d),
                Linear.take(w, "attention.out_proj", d, d, true, 0.02),
                LayerNorm.take(w, "layernorm", d, c.layerNormEps()),
                VisionMlp.take(w.at("mlp."), d, c.intermediateSize(), c.hiddenAct()),
                c.numAttentionHeads(), w.ops());
    }

    /** {@code [batch, seq, hidden]} (after post_layernorm) to the pooled {@code [batch, hidden]}. */
    public NDArray forward(NDArray lastHiddenState) {
        long b = lastHiddenState.getShape().get(0);
        long l = lastHiddenState.getShape().get(1);
        long d = lastHiddenState.getShape().get(2);
        long hd = d / numHeads;
        NDArray q = project(probe.broadcast(new Shape(b, 1, d)), 0, d).reshape(b, 1, numHeads, hd).transpose(0, 2, 1, 3);
        NDArray k = project(lastHiddenState, 1, d).reshape(b, l, numHeads, hd).transpose(0, 2, 1, 3);
        NDArray v = project(lastHiddenState, 2, d).reshape(b, l, numHeads, hd).transpose(0, 2, 1, 3);
        NDArray attn = ops.scaledDotProductAttention(q, k, v, AttentionMask.none(), null)
                .transpose(0, 2, 1, 3).reshape(b, 1, d);
        NDArray x = outProj.forward(attn);
        x = x.add(mlp.forward(layernorm.forward(x)));
        return x.reshape(b, d);
    }

    private NDArray project(NDArray x, int which, long d) {
        NDIndex rows = new NDIndex("{}:{}", which * d, (which + 1) * d);
        return ops.linear(x, inProjWeight.get(rows), inProjBias.get(rows));
    }
}
