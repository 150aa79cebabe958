package org.vlmdistill.core.bridge;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.ResidentMemory;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What grouped-query attention keeps for its backward, in units of one [batch, heads, q, k] fp32
 * probability matrix (64 MiB here, above glibc's largest mmap threshold, so it moves resident memory
 * by itself). The bridge repeats the key/value heads and takes libtorch's CPU flash kernel, which keeps
 * the output and a log-sum-exp row ([b, h, q]), not the probabilities; enable_gqa=True would take the
 * math path and keep them, as the composed form does.
 */
class GroupedQueryAttentionMemoryTest {
    private static final int BATCH = 2;
    private static final int HEADS = 8;
    private static final int KV_HEADS = 2;
    private static final int LENGTH = 1024;
    private static final int HEAD_DIM = 32;
    private static final double PROBABILITIES_BYTES = (double) BATCH * HEADS * LENGTH * LENGTH * Float.BYTES;

    /** Resident growth from a causal forward, in probability matrices; the backward then runs and frees it. */
    private static double keptProbabilities(TorchOps ops) throws IOException {
        try (NDManager m = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray q = m.randomNormal(new Shape(BATCH, HEADS, LENGTH, HEAD_DIM));
            NDArray k = m.randomNormal(new Shape(BATCH, KV_HEADS, LENGTH, HEAD_DIM));
            NDArray v = m.randomNormal(new Shape(BATCH, KV_HEADS, LENGTH, HEAD_DIM));
            q.setRequiresGradient(true);
            k.setRequiresGradient(true);
            v.setRequiresGradient(true);
            double kept = ResidentMemory.keptBy(() -> ops.scaledDotProductAttention(q, k, v, AttentionMask.causal(), null),
                    gc, PROBABILITIES_BYTES);
            assertEquals(k.getShape(), k.getGradient().getShape());
            return kept;
        }
    }

    @Test
    void theBridgeKeepsNoProbabilityMatrixForGroupedQueryHeads() throws IOException {
        TorchOps bridge = new BridgeOps(LibTorchDispatcher.load().orElseThrow());
        TorchOps composed = new ComposedOps();
        keptProbabilities(bridge); // warm up: libraries, kernels, arenas
        double bridged = keptProbabilities(bridge);
        double reference = keptProbabilities(composed);
        System.out.printf("grouped-query attention, resident after the forward in [b, h, q, k] matrices: bridge %.2f, composed %.2f%n",
                bridged, reference);
        assertTrue(reference > 0.9, "the composed form keeps its softmax output: " + reference);
        assertTrue(bridged < 0.5, "the bridge should keep no probability matrix (flash path): " + bridged);
    }
}
