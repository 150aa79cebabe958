package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Activations;
import org.vlmdistill.core.nn.Linear;

/** {@code LlamaMLP}: SwiGLU, {@code down_proj(act(gate_proj(x)) * up_proj(x))}. */
final class LlamaMlp {
    private final Linear gateProj; // [intermediate, hidden]
    private final Linear upProj;   // [intermediate, hidden]
    private final Linear downProj; // [hidden, intermediate]
    private final String hiddenAct;
    private final TorchOps ops;

    LlamaMlp(TextConfig c, Weights w) {
        double std = c.initializerRange();
        long hidden = c.hiddenSize();
        long inter = c.intermediateSize();
        gateProj = Linear.take(w, "gate_proj", hidden, inter, c.mlpBias(), std);
        upProj = Linear.take(w, "up_proj", hidden, inter, c.mlpBias(), std);
        downProj = Linear.take(w, "down_proj", inter, hidden, c.mlpBias(), std);
        hiddenAct = c.hiddenAct();
        ops = w.ops();
    }

    /** [batch, seq, hidden] to [batch, seq, hidden]. */
    NDArray forward(NDArray x) {
        return downProj.forward(Activations.apply(hiddenAct, gateProj.forward(x), ops).mul(upProj.forward(x)));
    }
}
