package org.vlmdistill.decoder.family;

import org.vlmdistill.core.config.Qwen2Config;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamily;
import org.vlmdistill.core.model.WeightLoading;

/** {@code Qwen2ForCausalLM} directories ({@code model_type} "qwen2" at the top level). */
public final class Qwen2Family implements ModelFamily {
    @Override
    public String modelType() {
        return Qwen2Config.MODEL_TYPE;
    }

    @Override
    public Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        return DecoderFamilies.causalLm(modelType(), source, weights, policy);
    }
}
