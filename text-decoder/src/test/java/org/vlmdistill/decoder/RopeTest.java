package org.vlmdistill.decoder;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.decoder.rope.Rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inverse frequencies against transformers' modeling_rope_utils formulas written out here, and
 * against values numpy gave for the same formulas (literals).
 */
class RopeTest {

    static TextConfig config(ObjectNode json) {
        return (TextConfig) ModelDirectory.of(json, null).config();
    }

    static ObjectNode base(int headDim, double theta) {
        return Tiny.llama().put("hidden_size", headDim * 4).put("num_attention_heads", 4)
                .put("num_key_value_heads", 4).put("rope_theta", theta).put("max_position_embeddings", 16);
    }

    /** {@code 1 / base^(2i / dim)}. */
    static double[] defaultInv(double base, int dim) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(base, 2.0 * i / dim);
        }
        return inv;
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double rel = Math.abs(actual[i] - expected[i]) / Math.abs(expected[i]);
            assertTrue(rel < 2e-6, what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @Test
    void defaultAndLinear() {
        Rope plain = Rope.of(config(base(8, 10000)));
        assertInstanceOf(Rope.Default.class, plain);
        assertClose(new double[] {1, 0.1, 0.01, 0.001}, plain.invFreq(5), "default");
        Rope linear = Rope.of(config(Tiny.withRope(base(8, 10000), "linear")));
        assertClose(new double[] {0.25, 0.025, 0.0025, 0.00025}, linear.invFreq(5), "linear factor 4 (numpy)");
        assertEquals(1.0, linear.attentionScaling());
    }

    @Test
    void dynamicNtkGrowsTheBasePastMaxPositions() {
        ObjectNode json = base(8, 10000);
        json.putObject("rope_scaling").put("rope_type", "dynamic").put("factor", 2.0);
        Rope dynamic = Rope.of(config(json));
        int dim = 8;
        assertClose(defaultInv(10000, dim), dynamic.invFreq(16), "dynamic at max_position_embeddings");
        for (long seqLen : new long[] {17, 32, 100}) {
            // base = theta * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
            double base = 10000 * Math.pow(2.0 * seqLen / 16 - 1, dim / (dim - 2.0));
            assertClose(defaultInv(base, dim), dynamic.invFreq(seqLen), "dynamic seq_len " + seqLen);
        }
        assertClose(new double[] {1.0, 6.9336124e-02, 4.8074988e-03, 3.3333333e-04}, dynamic.invFreq(32),
                "dynamic seq_len 32 (numpy)");
    }

    /**
     * InternLM2DynamicNTKScalingRotaryEmbedding: plain until a key length passes max_position_embeddings,
     * then the base for the longest length so far, kept for shorter calls; the length given is the key
     * length (past + seq), so the decoder never reads positions back for it.
     */
    @Test
    void internLM2DynamicNtkKeepsTheLongestLengthSeen() {
        ObjectNode json = Tiny.internlm2().put("hidden_size", 32).put("num_attention_heads", 4)
                .put("max_position_embeddings", 16); // head_dim 8
        Rope rope = Rope.of(config(json));
        Rope.InternLM2DynamicNtk ntk = assertInstanceOf(Rope.InternLM2DynamicNtk.class, rope);
        assertTrue(ntk.takesKeyLength());
        assertTrue(!ntk.dependsOnLength(1_000_000), "a key length is known on the host");
        int dim = 8;
        double theta = 1e6;
        assertEquals(16, ntk.cachedLength());
        assertClose(defaultInv(theta, dim), ntk.invFreq(5), "below the limit");
        assertClose(defaultInv(theta, dim), ntk.invFreq(16), "at the limit");
        assertEquals(16, ntk.cachedLength());
        double base24 = theta * Math.pow(2.0 * 24 / 16 - 1, 8.0 / 6);
        assertClose(defaultInv(base24, dim), ntk.invFreq(24), "24 > 16");
        assertClose(defaultInv(base24, dim), ntk.invFreq(3), "a shorter call after 24 keeps the base for 24");
        assertClose(defaultInv(base24, dim), ntk.invFreq(20), "20 < 24 too");
        assertEquals(24, ntk.cachedLength());
        double base40 = theta * Math.pow(2.0 * 40 / 16 - 1, 8.0 / 6);
        assertClose(defaultInv(base40, dim), ntk.invFreq(40), "a longer one rebuilds");
        assertEquals(40, ntk.cachedLength());
        // numpy: 1 / (1e6 * (2*24/16 - 1)**(8/6)) ** (arange(0, 8, 2) / 8), in float64
        assertClose(new double[] {1.0, 2.50990144e-02, 6.29960525e-04, 1.58113883e-05}, Rope.of(config(json)).invFreq(24),
                "base for 24 (numpy)");
        // every model has its own: a fresh rope of the same config starts plain again
        assertClose(defaultInv(theta, dim), Rope.of(config(json)).invFreq(5), "a fresh rope");
    }

    @Test
    void internLM2LinearIsPositionInterpolation() {
        ObjectNode json = Tiny.internlm2().put("max_position_embeddings", 16);
        json.putObject("rope_scaling").put("type", "linear").put("factor", 4.0);
        Rope rope = Rope.of(config(json));
        assertInstanceOf(Rope.Linear.class, rope);
        double[] expected = defaultInv(1e6, 8);
        for (int i = 0; i < expected.length; i++) {
            expected[i] /= 4;
        }
        assertClose(expected, rope.invFreq(100), "linear factor 4");
    }

    @Test
    void llama3SmoothsBetweenTheWavelengthBands() {
        ObjectNode json = base(16, 10000);
        json.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 64);
        float[] actual = Rope.of(config(json)).invFreq(1);
        double factor = 8, low = 1, high = 4, old = 64;
        double[] inv = defaultInv(10000, 16);
        double[] expected = new double[inv.length];
        int bands = 0;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < old / high) {
                expected[i] = inv[i];
                bands |= 1;
            } else if (wavelen > old / low) {
                expected[i] = inv[i] / factor;
                bands |= 2;
            } else {
                double smooth = (old / wavelen - low) / (high - low);
                expected[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                bands |= 4;
            }
        }
        assertEquals(7, bands, "the config must exercise all three bands");
        assertClose(expected, actual, "llama3");
        assertClose(new double[] {1.0, 2.4438459e-01, 1.3042256e-02, 3.9528473e-03, 1.2500000e-03, 3.9528473e-04,
                1.2500001e-04, 3.9528473e-05}, actual, "llama3 (numpy)");
    }

    @Test
    void scalingChangesTheModelsOutput() {
        try (CausalLanguageModel plain = Tiny.random(Tiny.llama(), Tiny.fp32(), 3);
             CausalLanguageModel linear = Tiny.random(Tiny.withRope(Tiny.llama(), "linear"), Tiny.fp32(), 3);
             NDManager m = NDManager.newBaseManager()) {
            var ids = m.create(new long[] {4, 5, 6, 7, 8, 9}, new ai.djl.ndarray.types.Shape(1, 6));
            float diff = Tiny.maxAbsDiff(plain.forward(ids, null, null).logits(), linear.forward(ids, null, null).logits());
            assertTrue(diff > 1e-4, "linear rope scaling had no effect on logits: " + diff);
        }
    }
}
