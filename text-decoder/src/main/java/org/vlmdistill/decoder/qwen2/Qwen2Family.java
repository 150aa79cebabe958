package org.vlmdistill.decoder.qwen2;

import org.vlmdistill.core.config.Qwen2Config;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.TextDecoderFactory;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.decoder.llama.LlamaFamily;

/**
 * {@code model_type} "qwen2": {@code Qwen2ForCausalLM} directories as a whole model, and the decoder a
 * VLM family composes for a qwen2 {@code text_config}. Qwen2's decoder is Llama's with biases on the
 * q, k and v projections ({@link org.vlmdistill.core.config.Qwen2Config} says so), so it is built by
 * {@code decoder.llama}. Registered for both services.
 */
public final class Qwen2Family implements ModelFamily, TextDecoderFactory {
    @Override
    public String modelType() {
        return Qwen2Config.MODEL_TYPE;
    }

    @Override
    public Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        return LlamaFamily.causalLm(modelType(), source, weights, policy);
    }

    @Override
    public TextDecoder create(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                              ComputePolicy policy) {
        return LlamaFamily.decoder(modelType(), config, body, head, tieWordEmbeddings);
    }
}
