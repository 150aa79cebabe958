package org.vlmdistill.core.config;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A model's {@code generation_config.json}: the token ids and sampling settings {@code generate}
 * starts from. Instruct checkpoints list more EOS ids here than in {@code config.json}
 * (Llama-3.2-1B-Instruct: 128001, 128008, 128009), so stopping criteria should read this file.
 *
 * <p>Defaults: transformers {@code GenerationConfig} (generation/configuration_utils.py):
 * do_sample False, temperature 1.0, top_p 1.0, top_k 50, max_new_tokens None.
 */
public record GenerationConfig(
        OptionalInt bosTokenId,
        List<Integer> eosTokenId,
        OptionalInt padTokenId,
        OptionalInt maxNewTokens,
        boolean doSample,
        double temperature,
        double topP,
        int topK,
        Extras extra) {

    public GenerationConfig {
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        eosTokenId = List.copyOf(eosTokenId);
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(maxNewTokens, "maxNewTokens");
        maxNewTokens.ifPresent(n -> Require.positive("max_new_tokens", n));
        Require.nonNegative("temperature", temperature);
        // TopPLogitsWarper and TopKLogitsWarper reject these; top_k 0 means "off" in generate.
        Require.fraction("top_p", topP);
        Require.nonNegative("top_k", topK);
        Require.nonNull("extra", extra);
    }

    static GenerationConfig read(ConfigNode c) {
        return c.build(() -> new GenerationConfig(
                c.optionalInt("bos_token_id", OptionalInt.empty()),
                c.intListOr("eos_token_id", List.of()),
                c.optionalInt("pad_token_id", OptionalInt.empty()),
                c.optionalInt("max_new_tokens", OptionalInt.empty()),
                c.boolOr("do_sample", false),
                c.doubleOr("temperature", 1.0),
                c.doubleOr("top_p", 1.0),
                c.intOr("top_k", 50),
                c.extras()));
    }
}
