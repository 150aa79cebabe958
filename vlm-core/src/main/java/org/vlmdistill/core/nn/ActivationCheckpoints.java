package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.bridge.TorchOps;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.UnaryOperator;

/**
 * Activation checkpointing per layer (torch's {@code torch.utils.checkpoint}, non-reentrant in effect):
 * a checkpointed layer runs its forward without recording autograd, so nothing of it is saved; its
 * output is made a leaf that requires gradient. After the backward from the loss has filled those
 * leaves' gradients, {@link #backward()} takes the layers last first: it runs each layer's forward
 * again from the input it kept, with autograd, and back-propagates the leaf's gradient through it,
 * which accumulates the layer's parameter gradients and its input's gradient (the previous layer's
 * leaf, or for the first layer the graph before it: embeddings, connector, an unchecked tower).
 *
 * <p>Memory: of each layer only its input stays, instead of everything its backward needs; at most
 * one layer's saved tensors exist at a time during {@link #backward()}. Time: one more forward of every
 * checkpointed layer. The recomputation runs the same kernels on the same inputs, so the gradients are
 * those of the plain backward (same values; the sums over a layer's uses of its input happen in the
 * same place, inside the layer's backward).
 *
 * <p>The layers are taken last first, so they must form one chain in the order they ran (a tower
 * then a decoder: the order of a VLM's forward). A model owns one instance (its {@code Weights}
 * make it); it is for the one thread that trains the model. Off by default; a layer run while autograd
 * does not record (a teacher, evaluation) or with a KV cache is never checkpointed.
 */
public final class ActivationCheckpoints {
    private final TorchOps ops;
    private final Deque<Segment> tape = new ArrayDeque<>();
    private boolean enabled;

    private record Segment(NDArray input, UnaryOperator<NDArray> layer, NDArray output) {
    }

    public ActivationCheckpoints(TorchOps ops) {
        this.ops = ops;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Turns checkpointing of this model's layers on or off (a run config's {@code compute.activation_checkpointing}). */
    public void enabled(boolean on) {
        if (!on) {
            tape.clear();
        }
        enabled = on;
    }

    /** Layers waiting for {@link #backward()}. */
    public int pending() {
        return tape.size();
    }

    /**
     * {@code layer(x)} with its temporaries closed ({@link LayerScope}); checkpointed when enabled and
     * autograd records: then its output is a new leaf and the layer waits for {@link #backward()}.
     */
    public NDArray run(NDArray x, UnaryOperator<NDArray> layer) {
        if (!enabled || !ops.gradMode()) {
            return LayerScope.run(() -> layer.apply(x));
        }
        NDArray y;
        ops.gradMode(false);
        try {
            y = LayerScope.run(() -> layer.apply(x));
        } finally {
            ops.gradMode(true);
        }
        y.setRequiresGradient(true);
        tape.push(new Segment(x, layer, y));
        return y;
    }

    /**
     * Back-propagates through every checkpointed layer, last first, recomputing each; call it after the
     * backward from the loss (which stops at the layers' output leaves), before reading gradients. A
     * layer whose output got no gradient (not used by the loss) is skipped. Nothing to do when no layer
     * was checkpointed.
     */
    public void backward() {
        if (tape.isEmpty()) {
            return;
        }
        boolean was = ops.gradMode();
        ops.gradMode(true);
        try {
            while (!tape.isEmpty()) {
                Segment s = tape.pop();
                NDArray g;
                try {
                    g = s.output().getGradient();
                } catch (IllegalStateException noGradient) {
                    continue;
                }
                NDArray y = LayerScope.run(() -> s.layer().apply(s.input()));
                ops.backward(y, g);
                y.close();
                g.close();
            }
        } finally {
            tape.clear();
            ops.gradMode(was);
        }
    }

    /**
     * Closes {@code state}, a layer's output that the next layer has read, unless a layer waiting for
     * {@link #backward()} recomputes from it or reads its gradient (its input or its output leaf). A chain of layers that keeps only its last output calls
     * this for each state it leaves behind: without it every state of the chain stays open until the step
     * ends (a frozen 17-tile SigLIP tower: 53 MB a layer, held through the student's backward). Closing a
     * DJL handle drops one reference: what autograd saved of the state it keeps.
     */
    public void release(NDArray state) {
        for (Segment s : tape) {
            if (s.input() == state || s.output() == state) {
                return;
            }
        }
        state.close();
    }

    /** Forgets the layers waiting for {@link #backward()} (a step abandoned before its backward). */
    public void discard() {
        tape.clear();
    }
}
