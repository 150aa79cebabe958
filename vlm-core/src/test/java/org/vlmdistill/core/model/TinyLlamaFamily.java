package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.nn.Embedding;
import org.vlmdistill.core.nn.Linear;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stand-in family for {@code llama} in vlm-core's own tests (the real decoder lives in text-decoder):
 * embeddings, one linear layer as the "body", and an lm_head, under the real HF names.
 */
public final class TinyLlamaFamily implements ModelFamily {

    @Override
    public String modelType() {
        return "llama";
    }

    @Override
    public Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy) {
        TextConfig c = (TextConfig) source.config();
        TextDecoder decoder = new Decoder(c, weights.at("model."), weights);
        Parameters all = weights.finish();
        Map<String, Parameters> components = new LinkedHashMap<>();
        components.put("text", all.select(n -> n.startsWith("model.")));
        components.put("lm_head", all.select(n -> n.equals("lm_head.weight")));
        return new CausalLanguageModel(source, policy, weights.manager(), all, components, decoder);
    }

    /** embed → linear → lm_head; no attention, so a cache has nothing to hold. */
    static final class Decoder implements TextDecoder {
        private final TextConfig config;
        private final Embedding embed;
        private final Linear body;
        private final Linear head;

        Decoder(TextConfig config, Weights body, Weights head) {
            this.config = config;
            this.embed = Embedding.take(body, "embed_tokens", config.vocabSize(), config.hiddenSize(), 0.02);
            this.body = Linear.take(body, "layers.0.mlp.down_proj", config.hiddenSize(), config.hiddenSize(), false,
                    0.02);
            this.head = Linear.take(head, "lm_head", config.hiddenSize(), config.vocabSize(), false, 0.02);
        }

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
            return body.forward(inputsEmbeds);
        }

        @Override
        public NDArray lmHead(NDArray hidden) {
            return head.forward(hidden);
        }

        @Override
        public NDArray lmHeadWeight() {
            return head.weight();
        }

        @Override
        public KvCache newCache() {
            return new KvCache() {
                @Override
                public int length() {
                    return 0;
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
