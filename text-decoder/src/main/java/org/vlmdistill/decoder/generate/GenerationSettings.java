package org.vlmdistill.decoder.generate;

import org.vlmdistill.core.config.GenerationConfig;
import org.vlmdistill.core.config.TextConfig;

import java.util.List;

/**
 * How {@link Generator} picks tokens, with transformers' meanings: greedy unless {@code doSample};
 * when sampling, logits are divided by {@code temperature}, cut to the {@code topK} largest
 * ({@code 0} = off), then to the smallest set whose probability reaches {@code topP} ({@code 1} = off).
 *
 * @param maxNewTokens tokens to generate at most per row
 * @param eosTokenIds  a row stops at the first of these it generates
 * @param padTokenId   fed to rows that have finished while others go on
 * @param seed         seeds the sampler; equal seeds give equal samples
 */
public record GenerationSettings(int maxNewTokens, boolean doSample, double temperature, int topK, double topP,
                                 List<Integer> eosTokenIds, int padTokenId, long seed) {

    /** transformers' {@code max_length} default of 20, used when a config sets no max_new_tokens. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 20;

    public GenerationSettings {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max_new_tokens must be positive, got " + maxNewTokens);
        }
        if (doSample && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive when sampling, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in [0, 1], got " + topP);
        }
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Greedy decoding of at most {@code maxNewTokens}, stopping at {@code eosTokenIds}. */
    public static GenerationSettings greedy(int maxNewTokens, List<Integer> eosTokenIds) {
        return new GenerationSettings(maxNewTokens, false, 1.0, 0, 1.0, eosTokenIds, 0, 0);
    }

    /**
     * The settings a model's {@code generation_config.json} asks for; EOS ids from it, else from the
     * text config; pad from it, else the text config, else the first EOS, else 0.
     */
    public static GenerationSettings from(GenerationConfig g, TextConfig text) {
        List<Integer> eos = g.eosTokenId().isEmpty() ? text.eosTokenId() : g.eosTokenId();
        int pad = g.padTokenId().orElse(text.padTokenId().orElse(eos.isEmpty() ? 0 : eos.get(0)));
        return new GenerationSettings(g.maxNewTokens().orElse(DEFAULT_MAX_NEW_TOKENS), g.doSample(),
                g.temperature(), g.topK(), g.topP(), eos, pad, 0);
    }

    /** Defaults for a model without a generation config: greedy, EOS and pad from the text config. */
    public static GenerationSettings from(TextConfig text) {
        int pad = text.padTokenId().orElse(text.eosTokenId().isEmpty() ? 0 : text.eosTokenId().get(0));
        return new GenerationSettings(DEFAULT_MAX_NEW_TOKENS, false, 1.0, 50, 1.0, text.eosTokenId(), pad, 0);
    }

    public GenerationSettings withMaxNewTokens(int n) {
        return new GenerationSettings(n, doSample, temperature, topK, topP, eosTokenIds, padTokenId, seed);
    }

    /** Sampling with these warpers. */
    public GenerationSettings withSampling(double temperature, int topK, double topP) {
        return new GenerationSettings(maxNewTokens, true, temperature, topK, topP, eosTokenIds, padTokenId, seed);
    }

    public GenerationSettings withSeed(long seed) {
        return new GenerationSettings(maxNewTokens, doSample, temperature, topK, topP, eosTokenIds, padTokenId, seed);
    }

    public GenerationSettings withEos(List<Integer> eos) {
        return new GenerationSettings(maxNewTokens, doSample, temperature, topK, topP, eos, padTokenId, seed);
    }
}
