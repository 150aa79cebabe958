package org.vlmdistill.decoder.internlm2;

import org.vlmdistill.core.config.InternLM2Config;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.TextDecoderFactory;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.decoder.llama.DecoderLayout;
import org.vlmdistill.decoder.llama.LlamaFamily;

/**
 * {@code model_type} "internlm2": {@code InternLM2ForCausalLM} directories as a whole model
 * ({@code model.tok_embeddings}, {@code model.layers.N.attention.wqkv}, ..., {@code output.weight}), and
 * the decoder InternVL composes for an InternLM2 {@code llm_config} (body {@code language_model.model.},
 * head {@code language_model.}, whose tensor is {@code output.weight}). Registered for both services.
 *
 * <p>InternLM2 is the Llama decoder with other tensor names, a packed q/k/v projection
 * ({@link PackedWqkv}) and the reference's stateful dynamic NTK RoPE
 * ({@link org.vlmdistill.decoder.rope.Rope.InternLM2DynamicNtk}), which {@code Rope.of} picks for an
 * {@link InternLM2Config}.
 */
public final class InternLM2Family implements ModelFamily, TextDecoderFactory {

    /** InternLM2's names: {@code modeling_internlm2.py}'s modules. */
    public static final DecoderLayout LAYOUT = new DecoderLayout("tok_embeddings", "attention.", PackedWqkv::take,
            "wo", "feed_forward.", "w1", "w3", "w2", "attention_norm", "ffn_norm", "output");

    @Override
    public String modelType() {
        return InternLM2Config.MODEL_TYPE;
    }

    @Override
    public Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        return LlamaFamily.causalLm(modelType(), source, weights, policy, LAYOUT);
    }

    /** {@code head} is where {@code output.weight} lives ({@code language_model.} in InternVL). */
    @Override
    public TextDecoder create(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                              ComputePolicy policy) {
        return LlamaFamily.decoder(modelType(), config, body, head, tieWordEmbeddings, LAYOUT);
    }
}
