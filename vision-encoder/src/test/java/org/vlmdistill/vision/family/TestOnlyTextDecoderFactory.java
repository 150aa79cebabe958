package org.vlmdistill.vision.family;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Init;
import org.vlmdistill.core.model.KvCache;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.TextDecoderFactory;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Embedding;

/**
 * TEST ONLY, to be deleted (with its services entry) when the text-decoder module's real {@code llama}
 * decoder lands: both register "llama" and the registry refuses two. A stand-in so that the family
 * tests can compose a whole VLM: {@code embed_tokens}, the hidden state scaled by {@code norm.weight},
 * and {@code lm_head} (or the tied embedding). No attention, no cache.
 */
public final class TestOnlyTextDecoderFactory implements TextDecoderFactory {

    @Override
    public String modelType() {
        return "llama";
    }

    @Override
    public TextDecoder create(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                              ComputePolicy policy) {
        Embedding embed = Embedding.take(body, "embed_tokens", config.vocabSize(), config.hiddenSize(), 0.02);
        NDArray norm = body.take("norm.weight", Init.normal(1.0), config.hiddenSize());
        NDArray lmHead = tieWordEmbeddings ? embed.weight()
                : head.take("lm_head.weight", Init.normal(0.02), config.vocabSize(), config.hiddenSize());
        return new TextDecoder() {
            @Override
            public TextConfig config() {
                return config;
            }

            @Override
            public NDArray embedTokens(NDArray inputIds) {
                return embed.forward(inputIds);
            }

            @Override
            public NDArray forward(NDArray inputsEmbeds, NDArray attentionMask, KvCache cache) {
                return inputsEmbeds.mul(norm);
            }

            @Override
            public NDArray lmHead(NDArray hidden) {
                return body.ops().linear(hidden, lmHead, null);
            }

            @Override
            public KvCache newCache() {
                throw new UnsupportedOperationException("test-only decoder has no cache");
            }
        };
    }
}
