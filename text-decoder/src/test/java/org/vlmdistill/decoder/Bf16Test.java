package org.vlmdistill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.KvCache;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.decoder.generate.GenerationSettings;
import org.vlmdistill.decoder.generate.Generator;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same seed in fp32 and bf16: the bf16 weights are the fp32 ones rounded, the logits agree within bf16 error. */
class Bf16Test {

    static float[] fp32(TorchOps ops, NDArray x) {
        return ops.dtypeOf(x) == DType.F32 ? x.toFloatArray() : ops.cast(x, DType.F32).toFloatArray();
    }

    @Test
    void bf16ForwardAgreesWithFp32() {
        long seed = System.nanoTime();
        ComputePolicy bf16 = ComputePolicy.of(Map.of("dtype", "bf16", "ops", "bridge"));
        TorchOps ops = bf16.ops();
        try (CausalLanguageModel f = Tiny.random(Tiny.qwen2(), Tiny.fp32(), seed);
             CausalLanguageModel b = Tiny.random(Tiny.qwen2(), bf16, seed);
             NDManager m = NDManager.newBaseManager()) {
            for (Parameter p : f.parameters().list()) {
                NDArray q = b.parameters().get(p.name()).array();
                assertEquals(DType.BF16, ops.dtypeOf(q), p.name());
                float[] rounded = fp32(ops, ops.cast(p.array(), DType.BF16));
                float[] actual = fp32(ops, q);
                for (int i = 0; i < rounded.length; i++) {
                    assertEquals(rounded[i], actual[i], p.name() + "[" + i + "] is not the fp32 value rounded to bf16");
                }
            }
            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, 9);
            float[] x = fp32(ops, f.forward(ids, null, null).logits());
            NDArray logitsBf16 = b.forward(ids, null, null).logits();
            assertEquals(DType.BF16, ops.dtypeOf(logitsBf16), "bf16 model computes in bf16");
            float[] y = fp32(ops, logitsBf16);
            float maxAbs = 0;
            float maxDiff = 0;
            for (int i = 0; i < x.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(x[i]));
                maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
            }
            System.out.printf("bf16 vs fp32 logits (seed %d): max |diff| %.4f, max |logit| %.3f%n", seed, maxDiff, maxAbs);
            assertTrue(maxDiff <= 0.05 * maxAbs, "seed " + seed + ": bf16 logits off by " + maxDiff
                    + " for max |logit| " + maxAbs);

            // the cache and the generator work in bf16 too
            NDArray full = b.forward(ids, null, null).logits();
            NDArray cached;
            try (KvCache cache = b.textDecoder().newCache()) {
                b.forward(ids.get(new NDIndex(":, :5")), null, cache);
                cached = b.forward(ids.get(new NDIndex(":, 5:")), null, cache).logits();
            }
            float[] fullTail = fp32(ops, full.get(new NDIndex(":, 5:")));
            float[] cachedTail = fp32(ops, cached);
            float cacheDiff = 0;
            for (int i = 0; i < fullTail.length; i++) {
                cacheDiff = Math.max(cacheDiff, Math.abs(fullTail[i] - cachedTail[i]));
            }
            assertTrue(cacheDiff <= 0.05 * maxAbs, "seed " + seed + ": bf16 cached logits off by " + cacheDiff);
            List<Generation> out = new Generator(b.textDecoder(), ops).generate(b.textDecoder().embedTokens(ids), null,
                    GenerationSettings.greedy(5, List.of()));
            assertEquals(5, out.get(0).tokens().length);
        }
    }
}
