package org.vlmdistill.core.model;

import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;

/**
 * Builds decoders of one text {@code model_type} ({@code llama}, {@code qwen2}), so that VLM families
 * can compose a decoder they do not implement. Registered with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.vlmdistill.core.model.TextDecoderFactory}).
 */
public interface TextDecoderFactory {

    String modelType();

    /**
     * @param body the decoder's own tensors, e.g. at {@code model.text_model.} ({@code embed_tokens},
     *             {@code layers.N...}, {@code norm})
     * @param head where {@code lm_head.weight} lives; not taken when the embeddings are tied
     * @param tieWordEmbeddings whether lm_head reuses the token embedding (the top-level config decides for VLMs)
     */
    TextDecoder create(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                       ComputePolicy policy);
}
