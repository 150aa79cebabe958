package org.vlmdistill.decoder.llama;

import org.vlmdistill.core.config.LlamaConfig;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.TextDecoderFactory;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.model.Weights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code model_type} "llama": {@code LlamaForCausalLM} directories as a whole model, and the decoder a
 * VLM family composes for a llama {@code text_config}. Registered for both services.
 */
public final class LlamaFamily implements ModelFamily, TextDecoderFactory {
    @Override
    public String modelType() {
        return LlamaConfig.MODEL_TYPE;
    }

    @Override
    public Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        return causalLm(modelType(), source, weights, policy);
    }

    @Override
    public TextDecoder create(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                              ComputePolicy policy) {
        return decoder(modelType(), config, body, head, tieWordEmbeddings);
    }

    /** The Llama decoder for a config of {@code modelType} (llama, or an architecture that reuses it). */
    public static TextDecoder decoder(String modelType, TextConfig config, Weights body, Weights head, boolean tie) {
        return decoder(modelType, config, body, head, tie, DecoderLayout.LLAMA);
    }

    /** The Llama-shaped decoder for a config of {@code modelType}, its tensors as {@code layout} names them. */
    public static TextDecoder decoder(String modelType, TextConfig config, Weights body, Weights head, boolean tie,
                                      DecoderLayout layout) {
        if (!config.modelType().equals(modelType)) {
            throw new IllegalArgumentException("the " + modelType + " decoder got a config of model_type "
                    + config.modelType());
        }
        return new LlamaTextDecoder(config, body, head, tie, layout);
    }

    /**
     * {@code LlamaForCausalLM} and the architectures that reuse its decoder ({@code Qwen2ForCausalLM}):
     * the decoder at {@code model.}, lm_head at the root. Components: {@code text} (everything under
     * {@code model.}) and {@code lm_head} (empty when tied).
     */
    public static Model causalLm(String modelType, ModelDirectory source, WeightLoading weights,
                                 ComputePolicy policy) {
        return causalLm(modelType, source, weights, policy, DecoderLayout.LLAMA);
    }

    /**
     * A {@code *ForCausalLM} of a Llama-shaped decoder named as {@code layout} says: the decoder at
     * {@code model.}, the head ({@code lm_head}, InternLM2's {@code output}) at the root. Components:
     * {@code text} (everything under {@code model.}) and {@code lm_head} (the head, empty when tied).
     */
    public static Model causalLm(String modelType, ModelDirectory source, WeightLoading weights,
                                 ComputePolicy policy, DecoderLayout layout) {
        if (!(source.config() instanceof TextConfig config) || !config.modelType().equals(modelType)) {
            throw new IllegalArgumentException(source.describe() + ": the " + modelType + " family got model_type "
                    + source.config().modelType());
        }
        TextDecoder decoder = decoder(modelType, config, weights.at("model."), weights, config.tieWordEmbeddings(),
                layout);
        Parameters parameters = weights.finish();
        Map<String, Parameters> components = new LinkedHashMap<>();
        components.put("text", parameters.select(n -> n.startsWith("model.")));
        String head = layout.lmHead() + ".";
        components.put("lm_head", parameters.select(n -> n.startsWith(head)));
        return new CausalLanguageModel(source, policy, weights.manager(), parameters, components, decoder);
    }
}
