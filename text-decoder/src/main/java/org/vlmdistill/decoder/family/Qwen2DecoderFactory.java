package org.vlmdistill.decoder.family;

import org.vlmdistill.core.config.Qwen2Config;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.TextDecoderFactory;
import org.vlmdistill.core.model.Weights;

/** Decoders for {@code model_type} "qwen2": the Llama decoder with Qwen2's biases. */
public final class Qwen2DecoderFactory implements TextDecoderFactory {
    @Override
    public String modelType() {
        return Qwen2Config.MODEL_TYPE;
    }

    @Override
    public TextDecoder create(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                              ComputePolicy policy) {
        return DecoderFamilies.decoder(modelType(), config, body, head, tieWordEmbeddings);
    }
}
