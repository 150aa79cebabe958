package org.vlmdistill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;

import java.util.Map;
import java.util.SplittableRandom;

/** Tiny configs and helpers shared by the tests. */
public final class Tiny {
    public static final int VOCAB = 97;

    private Tiny() {
    }

    public static ComputePolicy fp32() {
        return ComputePolicy.of(Map.of("dtype", "fp32"));
    }

    public static ObjectNode llama() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("model_type", "llama");
        c.put("vocab_size", VOCAB);
        c.put("hidden_size", 32);
        c.put("intermediate_size", 64);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 4);
        c.put("max_position_embeddings", 64);
        c.put("rms_norm_eps", 1e-6);
        c.put("initializer_range", 0.2);
        c.put("tie_word_embeddings", false);
        c.put("hidden_act", "silu");
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        return c;
    }

    public static ObjectNode llamaTied() {
        return llama().put("tie_word_embeddings", true);
    }

    public static ObjectNode gqa() {
        return llama().put("num_attention_heads", 4).put("num_key_value_heads", 2);
    }

    public static ObjectNode qwen2() {
        ObjectNode c = llama();
        c.put("model_type", "qwen2");
        c.put("num_key_value_heads", 2);
        c.put("use_sliding_window", false);
        c.put("rope_theta", 1000000.0);
        c.put("tie_word_embeddings", true);
        return c;
    }

    /**
     * InternLM2ForCausalLM (packed wqkv, w1/w3/w2, output): 4 heads over 2 kv heads, theta 1e6 and the
     * reference's dynamic NTK x2 past max_position_embeddings 64 (InternVL2's rope_scaling).
     */
    public static ObjectNode internlm2() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("InternLM2ForCausalLM");
        c.put("model_type", "internlm2");
        c.put("vocab_size", VOCAB);
        c.put("hidden_size", 32);
        c.put("intermediate_size", 64);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("max_position_embeddings", 64);
        c.put("rms_norm_eps", 1e-6);
        c.put("initializer_range", 0.2);
        c.put("tie_word_embeddings", false);
        c.put("bias", false);
        c.put("hidden_act", "silu");
        c.put("rope_theta", 1000000.0);
        c.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("pad_token_id", 2);
        return c;
    }

    public static ObjectNode withRope(ObjectNode c, String type) {
        ObjectNode r = c.putObject("rope_scaling");
        r.put("rope_type", type);
        r.put("factor", 4.0);
        if (type.equals("llama3")) {
            r.put("low_freq_factor", 1.0);
            r.put("high_freq_factor", 4.0);
            r.put("original_max_position_embeddings", 16);
        }
        return c;
    }

    public static CausalLanguageModel random(ObjectNode config, ComputePolicy policy, long seed) {
        return (CausalLanguageModel) Models.random(ModelDirectory.of(config, null), policy, seed);
    }

    /** Random token ids {@code [batch, seq]} in {@code [3, vocab)}. */
    public static NDArray ids(NDManager m, SplittableRandom random, int batch, int seq) {
        long[] ids = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(3, VOCAB);
        }
        return m.create(ids, new Shape(batch, seq));
    }

    public static float maxAbsDiff(NDArray a, NDArray b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        if (x.length != y.length) {
            throw new AssertionError("sizes differ: " + a.getShape() + " vs " + b.getShape());
        }
        float max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
            if (Float.isNaN(x[i]) || Float.isNaN(y[i])) {
                return Float.NaN;
            }
        }
        return max;
    }
}
