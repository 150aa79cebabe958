package org.vlmdistill.decoder.family;

import org.vlmdistill.core.config.LlamaConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.WeightLoading;

/** {@code LlamaForCausalLM} directories ({@code model_type} "llama" at the top level). */
public final class LlamaFamily implements ModelFamily {
    @Override
    public String modelType() {
        return LlamaConfig.MODEL_TYPE;
    }

    @Override
    public Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        return DecoderFamilies.causalLm(modelType(), source, weights, policy);
    }
}
