package org.vlmdistill.vlmd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;

import java.io.PrintStream;

/**
 * Causal scaled dot-product attention, forward and backward, through the libtorch bridge
 * (ATen's CPU flash attention) against the same op composed from DJL ops (matmul, mask, softmax,
 * matmul), interleaved run by run so both see the same machine state.
 */
public record SdpaBench(int batch, int heads, int length, int headDim, int runs, int warmup) {

    public record Result(Timing bridge, Timing composed, Timing bridgeForward, Timing composedForward) {
        public double speedup() {
            return composed.median() / bridge.median();
        }

        public double forwardSpeedup() {
            return composedForward.median() / bridgeForward.median();
        }
    }

    public Result run(PrintStream out) throws Exception {
        TorchOps bridge = new BridgeOps(LibTorchDispatcher.load().orElseThrow(
                () -> new IllegalStateException("the loaded libtorch has no stable dispatcher")));
        TorchOps composed = new ComposedOps();
        double[] b = new double[runs];
        double[] c = new double[runs];
        double[] bf = new double[runs];
        double[] cf = new double[runs];
        try (NDManager root = NDManager.newBaseManager()) {
            Shape shape = new Shape(batch, heads, length, headDim);
            for (int i = 0; i < warmup; i++) {
                once(bridge, root, shape, true);
                once(composed, root, shape, true);
            }
            for (int i = 0; i < runs; i++) {
                b[i] = once(bridge, root, shape, true);
                c[i] = once(composed, root, shape, true);
                bf[i] = once(bridge, root, shape, false);
                cf[i] = once(composed, root, shape, false);
                out.printf("  run %d: forward+backward bridge %.1f ms, composed %.1f ms; forward bridge %.1f ms, composed %.1f ms%n",
                        i + 1, b[i] * 1e3, c[i] * 1e3, bf[i] * 1e3, cf[i] * 1e3);
            }
        }
        return new Result(new Timing("bridge", b), new Timing("composed", c),
                new Timing("bridge forward", bf), new Timing("composed forward", cf));
    }

    /** Seconds for one forward (and backward, when asked) of q, k, v under a causal mask. */
    private static double once(TorchOps ops, NDManager root, Shape shape, boolean backward) {
        try (NDManager m = root.newSubManager()) {
            NDArray q = m.randomNormal(shape);
            NDArray k = m.randomNormal(shape);
            NDArray v = m.randomNormal(shape);
            NDArray upstream = m.randomNormal(shape);
            long t0 = System.nanoTime();
            if (!backward) {
                ops.scaledDotProductAttention(q, k, v, AttentionMask.causal(), null);
                return (System.nanoTime() - t0) / 1e9;
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                q.setRequiresGradient(true);
                k.setRequiresGradient(true);
                v.setRequiresGradient(true);
                NDArray y = ops.scaledDotProductAttention(q, k, v, AttentionMask.causal(), null);
                gc.backward(y.mul(upstream).sum());
            }
            return (System.nanoTime() - t0) / 1e9; // CPU ops are synchronous: the gradients are done

        }
    }
}
