package org.vlmdistill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.KvCache;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logits through the KV cache (prefix + token by token, and in chunks) equal one full forward. */
class KvCacheTest {
    /**
     * Allowed max |diff| per unit of the logits' scale, max(1, max |logit|). The cache changes only the shapes
     * of the matmuls, so their summation order: fp32 rounding, about 1.5e-6 of the scale in most of 360 random
     * runs and 2.8e-6 in the worst seen (seed 37649923601240, llama untied). A wrong position, rotation or mask
     * moves logits by a tenth of the scale or more.
     */
    static final float RELATIVE_TOLERANCE = 2e-5f;
    static final int SEQ = 11;

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("llama untied", Tiny.llama()),
                Arguments.of("llama tied", Tiny.llamaTied()),
                Arguments.of("qwen2 (bias, GQA)", Tiny.qwen2()),
                Arguments.of("llama GQA", Tiny.gqa()),
                Arguments.of("rope linear", Tiny.withRope(Tiny.llama(), "linear")),
                Arguments.of("rope dynamic", Tiny.withRope(Tiny.llama(), "dynamic")),
                Arguments.of("rope dynamic past max_position_embeddings",
                        Tiny.withRope(Tiny.llama().put("max_position_embeddings", 4), "dynamic")),
                Arguments.of("rope llama3", Tiny.withRope(Tiny.llama(), "llama3")),
                Arguments.of("internlm2 (packed wqkv, GQA, dynamic NTK within max_position_embeddings)",
                        Tiny.internlm2()),
                Arguments.of("internlm2 with bias", Tiny.internlm2().put("bias", true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void cachedLogitsEqualFullForward(String name, ObjectNode config) {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        boolean dynamicPastMax = name.contains("past max");
        try (CausalLanguageModel model = Tiny.random(config, Tiny.fp32(), seed);
             NDManager m = NDManager.newBaseManager()) {
            NDArray ids = Tiny.ids(m, random, 2, SEQ);
            NDArray full = model.forward(ids, null, null).logits(); // [2, SEQ, V]
            float tolerance = tolerance(full);

            // prefix, then token by token
            int prefix = random.nextInt(1, SEQ);
            List<Integer> steps = new ArrayList<>(List.of(prefix));
            for (int i = prefix; i < SEQ; i++) {
                steps.add(1);
            }
            NDArray cached = cachedLogits(model, ids, null, steps);
            float diff = Tiny.maxAbsDiff(full, cached);
            String what = name + " (seed " + seed + ", steps " + steps + ")";
            if (dynamicPastMax) {
                // Keys cached before the frequencies grew keep their old rotation (transformers too), and
                // the full forward rotates every position with the frequencies of the whole length: only
                // the prefill agrees, with a full forward of the prefix alone.
                NDArray prefixOnly = model.forward(ids.get(new NDIndex(":, :{}", prefix)), null, null).logits();
                diff = Tiny.maxAbsDiff(prefixOnly, cached.get(new NDIndex(":, :{}", prefix)));
            }
            assertTrue(diff <= tolerance, what + ": max |diff| " + diff);
            System.out.printf("KV cache %s: token-by-token max |diff| %.3g%n", what, diff);

            List<Integer> chunks = chunks(random, SEQ);
            NDArray chunked = cachedLogits(model, ids, null, chunks);
            float chunkDiff = Tiny.maxAbsDiff(full, chunked);
            if (!dynamicPastMax) {
                assertTrue(chunkDiff <= tolerance, name + " (seed " + seed + ", chunks " + chunks + "): max |diff| "
                        + chunkDiff);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void leftPaddedBatchThroughCacheEqualsFullForward(String name, ObjectNode config) {
        if (name.contains("past max")) {
            return;
        }
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        try (CausalLanguageModel model = Tiny.random(config, Tiny.fp32(), seed);
             NDManager m = NDManager.newBaseManager()) {
            int pad = random.nextInt(1, 5);
            NDArray ids = Tiny.ids(m, random, 2, SEQ);
            long[] mask = new long[2 * SEQ];
            for (int j = 0; j < SEQ; j++) {
                mask[j] = j < pad ? 0 : 1;
                mask[SEQ + j] = 1;
            }
            NDArray attention = m.create(mask, new Shape(2, SEQ));
            NDArray full = model.forward(ids, attention, null).logits();
            float tolerance = tolerance(full);
            assertTrue(allFinite(full), name + " (seed " + seed + "): logits at padded positions must be finite");

            // the padded row alone, unpadded, gives the same logits at its real positions
            NDArray alone = model.forward(ids.get(new NDIndex("0:1, {}:", pad)), null, null).logits();
            float aloneDiff = Tiny.maxAbsDiff(full.get(new NDIndex("0:1, {}:", pad)), alone);
            assertTrue(aloneDiff <= tolerance, name + " (seed " + seed + ", pad " + pad
                    + "): padded row vs unpadded alone max |diff| " + aloneDiff);

            List<Integer> chunks = chunks(random, SEQ);
            NDArray cached = cachedLogits(model, ids, attention, chunks);
            float diff0 = Tiny.maxAbsDiff(full.get(new NDIndex("0, {}:", pad)), cached.get(new NDIndex("0, {}:", pad)));
            float diff1 = Tiny.maxAbsDiff(full.get(new NDIndex("1")), cached.get(new NDIndex("1")));
            String what = name + " (seed " + seed + ", pad " + pad + ", chunks " + chunks + ")";
            assertTrue(Math.max(diff0, diff1) <= tolerance, what + ": max |diff| " + Math.max(diff0, diff1));
            assertTrue(allFinite(cached), what + ": cached logits must be finite");
            System.out.printf("KV cache left-padded %s: max |diff| %.3g%n", what, Math.max(diff0, diff1));
        }
    }

    @org.junit.jupiter.api.Test
    void composedOpsGiveTheSameLogitsAsTheBridge() {
        long seed = System.nanoTime();
        var composed = org.vlmdistill.core.device.ComputePolicy.of(java.util.Map.of("dtype", "fp32", "ops", "composed"));
        try (CausalLanguageModel a = Tiny.random(Tiny.qwen2(), Tiny.fp32(), seed);
             CausalLanguageModel b = Tiny.random(Tiny.qwen2(), composed, seed);
             NDManager m = NDManager.newBaseManager()) {
            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, SEQ);
            NDArray mask = m.create(new long[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                    new Shape(2, SEQ));
            NDArray bridge = a.forward(ids, mask, null).logits();
            float tolerance = tolerance(bridge);
            float diff = Tiny.maxAbsDiff(bridge, b.forward(ids, mask, null).logits());
            // padded positions see different keys chunk by chunk: compare the real ones
            NDArray cached = cachedLogits(b, ids, mask, List.of(5, 1, 1, 4));
            diff = Math.max(diff, Tiny.maxAbsDiff(bridge.get(new NDIndex("0, 2:")), cached.get(new NDIndex("0, 2:"))));
            diff = Math.max(diff, Tiny.maxAbsDiff(bridge.get(new NDIndex("1")), cached.get(new NDIndex("1"))));
            assertTrue(diff <= tolerance, "seed " + seed + ": " + a.policy().ops().describe() + " vs composed: " + diff);
        }
    }

    static float tolerance(NDArray logits) {
        return RELATIVE_TOLERANCE * Math.max(1f, logits.abs().max().getFloat());
    }

    static boolean allFinite(NDArray x) {
        for (float f : x.toFloatArray()) {
            if (!Float.isFinite(f)) {
                return false;
            }
        }
        return true;
    }

    static List<Integer> chunks(SplittableRandom random, int seq) {
        List<Integer> chunks = new ArrayList<>();
        int done = 0;
        while (done < seq) {
            int c = Math.min(seq - done, random.nextInt(1, 5));
            chunks.add(c);
            done += c;
        }
        return chunks;
    }

    /** Logits {@code [batch, seq, V]} computed chunk by chunk through one cache. */
    static NDArray cachedLogits(CausalLanguageModel model, NDArray ids, NDArray mask, List<Integer> chunks) {
        List<NDArray> parts = new ArrayList<>();
        try (KvCache cache = model.textDecoder().newCache()) {
            int at = 0;
            for (int c : chunks) {
                NDArray chunk = ids.get(new NDIndex(":, {}:{}", at, at + c));
                NDArray chunkMask = mask == null ? null : mask.get(new NDIndex(":, :{}", at + c));
                assertEquals(at, cache.length());
                parts.add(model.forward(chunk, chunkMask, cache).logits());
                at += c;
            }
        }
        return ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts), 1);
    }
}
