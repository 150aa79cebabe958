package org.vlmdistill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.decoder.generate.GenerationSettings;
import org.vlmdistill.decoder.generate.Generator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    static final long MODEL_SEED = 11;
    static CausalLanguageModel model;
    static NDManager m;

    @BeforeAll
    static void build() {
        model = Tiny.random(Tiny.qwen2(), Tiny.fp32(), MODEL_SEED);
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        m.close();
        model.close();
    }

    Generator generator() {
        return new Generator(model.textDecoder(), model.policy().ops());
    }

    /** Greedy ids by a full forward over the growing sequence each step (no cache). */
    static List<Integer> greedyWithoutCache(TextDecoder decoder, long[] prompt, int steps) {
        List<Integer> out = new ArrayList<>();
        long[] seq = prompt.clone();
        for (int s = 0; s < steps; s++) {
            NDArray ids = m.create(seq, new Shape(1, seq.length));
            NDArray logits = decoder.lmHead(decoder.forward(decoder.embedTokens(ids), null, null));
            float[] last = logits.get(new NDIndex("0, -1")).toFloatArray();
            int best = 0;
            for (int i = 1; i < last.length; i++) {
                if (last[i] > last[best]) {
                    best = i;
                }
            }
            out.add(best);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        return out;
    }

    @Test
    void greedyEqualsArgmaxLoopWithoutCacheAlsoLeftPadded() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        TextDecoder decoder = model.textDecoder();
        long[] shortPrompt = Tiny.ids(m, random, 1, 4).toLongArray();
        long[] longPrompt = Tiny.ids(m, random, 1, 7).toLongArray();
        int steps = 12;
        List<Integer> expectShort = greedyWithoutCache(decoder, shortPrompt, steps);
        List<Integer> expectLong = greedyWithoutCache(decoder, longPrompt, steps);

        // batch of 2, the short prompt left-padded by 3
        long[] ids = new long[14];
        long[] mask = new long[14];
        for (int j = 0; j < 7; j++) {
            ids[j] = j < 3 ? 0 : shortPrompt[j - 3];
            mask[j] = j < 3 ? 0 : 1;
            ids[7 + j] = longPrompt[j];
            mask[7 + j] = 1;
        }
        NDArray embeds = decoder.embedTokens(m.create(ids, new Shape(2, 7)));
        List<Generation> out = generator().generate(embeds, m.create(mask, new Shape(2, 7)),
                GenerationSettings.greedy(steps, List.of()));
        assertEquals(expectShort, box(out.get(0).tokens()), "padded row, seed " + seed);
        assertEquals(expectLong, box(out.get(1).tokens()), "full row, seed " + seed);
        assertEquals(Generation.FinishReason.MAX_NEW_TOKENS, out.get(0).finishReason());
        assertEquals(steps, out.get(0).tokens().length);
    }

    @Test
    void samplingIsReproducibleForASeedAndChangesWithIt() {
        TextDecoder decoder = model.textDecoder();
        NDArray embeds = decoder.embedTokens(m.create(new long[] {5, 6, 7, 8, 9, 10}, new Shape(2, 3)));
        GenerationSettings s = GenerationSettings.greedy(16, List.of()).withSampling(1.5, 0, 1.0);
        List<Generation> a = generator().generate(embeds, null, s.withSeed(1));
        List<Generation> b = generator().generate(embeds, null, s.withSeed(1));
        List<Generation> c = generator().generate(embeds, null, s.withSeed(2));
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(a.get(r).tokens(), b.get(r).tokens(), "same seed, row " + r);
        }
        assertFalse(Arrays.equals(a.get(0).tokens(), c.get(0).tokens())
                && Arrays.equals(a.get(1).tokens(), c.get(1).tokens()), "seeds 1 and 2 gave the same samples");
        // top-p 0 keeps only the most likely token: sampling equals greedy whatever the seed
        List<Generation> greedy = generator().generate(embeds, null, GenerationSettings.greedy(16, List.of()));
        List<Generation> topP0 = generator().generate(embeds, null, s.withSampling(1.0, 0, 0.0).withSeed(99));
        List<Generation> topK1 = generator().generate(embeds, null, s.withSampling(0.7, 1, 1.0).withSeed(98));
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(greedy.get(r).tokens(), topP0.get(r).tokens(), "top_p 0, row " + r);
            assertArrayEquals(greedy.get(r).tokens(), topK1.get(r).tokens(), "top_k 1, row " + r);
        }
    }

    @Test
    void eosStopsARowAndMaxNewTokensIsRespected() {
        TextDecoder decoder = model.textDecoder();
        NDArray embeds = decoder.embedTokens(m.create(new long[] {5, 6, 7, 8, 9, 10}, new Shape(2, 3)));
        List<Generation> free = generator().generate(embeds, null, GenerationSettings.greedy(10, List.of()));
        for (Generation g : free) {
            assertEquals(10, g.tokens().length);
        }
        // make the third token row 0 generates an EOS id
        int eos = free.get(0).tokens()[2];
        int firstAt = box(free.get(0).tokens()).indexOf(eos);
        List<Generation> stopped = generator().generate(embeds, null, GenerationSettings.greedy(10, List.of(eos)));
        Generation g = stopped.get(0);
        assertEquals(Generation.FinishReason.EOS, g.finishReason());
        assertEquals(eos, g.eosTokenId());
        assertArrayEquals(Arrays.copyOf(free.get(0).tokens(), firstAt), g.tokens(), "tokens before the EOS, without it");
        int other = box(free.get(1).tokens()).indexOf(eos);
        int expectOther = other < 0 ? 10 : other;
        assertEquals(expectOther, stopped.get(1).tokens().length, "row 1 goes on independently");
        assertArrayEquals(Arrays.copyOf(free.get(1).tokens(), expectOther), stopped.get(1).tokens());

        List<Generation> three = generator().generate(embeds, null, GenerationSettings.greedy(3, List.of()));
        assertArrayEquals(Arrays.copyOf(free.get(0).tokens(), 3), three.get(0).tokens());
    }

    @Test
    void decodingDoesNotLeakArraysIntoTheModelsManager() {
        TextDecoder decoder = model.textDecoder();
        NDManager modelManager = model.parameters().list().get(0).array().getManager();
        NDArray embeds = decoder.embedTokens(m.create(new long[] {5, 6, 7, 8, 9, 10}, new Shape(2, 3)));
        generator().generate(embeds, null, GenerationSettings.greedy(2, List.of()));
        int before = modelManager.getManagedArrays().size();
        generator().generate(embeds, null, GenerationSettings.greedy(40, List.of()));
        int after = modelManager.getManagedArrays().size();
        assertEquals(before, after, "arrays left in the model's manager after 40 steps");
    }

    static List<Integer> box(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }
}
