package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Activations;
import org.vlmdistill.core.nn.Linear;

/**
 * {@code LlamaMLP}: SwiGLU, {@code down_proj(act(gate_proj(x)) * up_proj(x))} (InternLM2MLP:
 * {@code w2(act(w1(x)) * w3(x))}, the layout's names).
 */
final class LlamaMlp {
    private final Linear gateProj; // [intermediate, hidden]
    private final Linear upProj;   // [intermediate, hidden]
    private final Linear downProj; // [hidden, intermediate]
    private final String hiddenAct;
    private final TorchOps ops;

    LlamaMlp(TextConfig c, Weights w, DecoderLayout layout) {
        double std = c.initializerRange();
        long hidden = c.hiddenSize();
        long inter = c.intermediateSize();
        gateProj = Linear.take(w, layout.gateProj(), hidden, inter, c.mlpBias(), std);
        upProj = Linear.take(w, layout.upProj(), hidden, inter, c.mlpBias(), std);
        downProj = Linear.take(w, layout.downProj(), inter, hidden, c.mlpBias(), std);
        hiddenAct = c.hiddenAct();
        ops = w.ops();
    }

    /** [batch, seq, hidden] to [batch, seq, hidden]. */
    NDArray forward(NDArray x) {
        return downProj.forward(Activations.apply(hiddenAct, gateProj.forward(x), ops).mul(upProj.forward(x)));
    }
}
