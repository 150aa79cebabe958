package org.vlmdistill.decoder.family;

import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.decoder.llama.LlamaTextDecoder;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the llama and qwen2 factories and families share. */
final class DecoderFamilies {
    private DecoderFamilies() {
    }

    static TextDecoder decoder(String modelType, TextConfig config, Weights body, Weights head, boolean tie) {
        if (!config.modelType().equals(modelType)) {
            throw new IllegalArgumentException("the " + modelType + " decoder got a config of model_type "
                    + config.modelType());
        }
        return new LlamaTextDecoder(config, body, head, tie);
    }

    /**
     * {@code LlamaForCausalLM} / {@code Qwen2ForCausalLM}: the decoder at {@code model.}, lm_head at the
     * root. Components: {@code text} (everything under {@code model.}) and {@code lm_head} (empty when tied).
     */
    static Model causalLm(String modelType, ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        if (!(source.config() instanceof TextConfig config) || !config.modelType().equals(modelType)) {
            throw new IllegalArgumentException(source.describe() + ": the " + modelType + " family got model_type "
                    + source.config().modelType());
        }
        TextDecoder decoder = decoder(modelType, config, weights.at("model."), weights, config.tieWordEmbeddings());
        Parameters parameters = weights.finish();
        Map<String, Parameters> components = new LinkedHashMap<>();
        components.put("text", parameters.select(n -> n.startsWith("model.")));
        components.put("lm_head", parameters.select(n -> n.startsWith("lm_head.")));
        return new CausalLanguageModel(source, policy, weights.manager(), parameters, components, decoder);
    }
}
