package org.vlmdistill.core.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.ResidentMemory;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.tensor.Scalars;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the tanh GELU leaves resident for the backward once its layer's temporaries are closed
 * ({@link LayerScope}), in units of its input's size: the output plus what autograd saved beyond the
 * input. The input is 64 MiB, above glibc's largest mmap threshold (32 MiB), so every array is its
 * own mapping and resident memory moves by whole arrays. Expected: the 1 + tanh form 5 (output, x^2,
 * tanh, 1 + tanh, 0.5 x), the composed sigmoid form 3 (output, A + B x^2, the sigmoid), the bridge's
 * aten::gelu 1 (the output; GeluBackward0 keeps only the input).
 */
class GeluTanhMemoryTest {
    private static final long ELEMENTS = 16L << 20; // 64 MiB of fp32

    /** Resident growth from a scoped forward, in input sizes; the backward then runs and frees it. */
    private static double keptInputs(UnaryOperator<NDArray> gelu) throws IOException {
        try (NDManager m = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = m.randomNormal(new Shape(ELEMENTS));
            x.setRequiresGradient(true);
            double kept = ResidentMemory.keptBy(() -> LayerScope.run(() -> gelu.apply(x)), gc, ELEMENTS * Float.BYTES);
            assertTrue(x.getGradient().getShape().size() == ELEMENTS);
            return kept;
        }
    }

    @Test
    void theBridgedOpKeepsOnlyItsOutputAndTheComposedFormTwoMore() throws IOException {
        Map<String, UnaryOperator<NDArray>> forms = new LinkedHashMap<>();
        forms.put("1 + tanh (before)", x -> {
            NDArray inner = x.add(x.square().mul(x).mul(Scalars.like(x, 0.044715)))
                    .mul(Scalars.like(x, Math.sqrt(2 / Math.PI)));
            return x.mul(Scalars.like(x, 0.5)).mul(inner.tanh().add(1));
        });
        forms.put("composed", new ComposedOps()::geluTanh);
        forms.put("bridge", new BridgeOps(LibTorchDispatcher.load().orElseThrow())::geluTanh);
        Map<String, Double> kept = new LinkedHashMap<>();
        keptInputs(forms.get("bridge")); // warm up: libraries, kernels, arenas
        for (var e : forms.entrySet()) {
            kept.put(e.getKey(), keptInputs(e.getValue()));
        }
        System.out.println("tanh GELU, resident after the forward in input sizes: " + kept);
        assertTrue(kept.get("1 + tanh (before)") > 4.5, "the reference form should keep 5: " + kept);
        assertTrue(kept.get("composed") > 2.5 && kept.get("composed") < 3.5, "composed should keep 3: " + kept);
        assertTrue(kept.get("bridge") > 0.5 && kept.get("bridge") < 1.5, "the bridge should keep 1: " + kept);
    }
}
