package org.vlmdistill.core.bridge;

import ai.djl.ndarray.NDArray;

/**
 * Which key positions each query may attend to in scaled dot-product attention.
 * Masks broadcast to the scores' shape {@code [batch, heads, queryLen, keyLen]}.
 */
public sealed interface AttentionMask {
    /** Every query sees every key. */
    record None() implements AttentionMask {}

    /**
     * Query i sees keys j &lt;= i, aligned at the top left as {@code torch}'s {@code is_causal}
     * (for queryLen &lt; keyLen, as in KV-cache decoding, pass an explicit mask instead).
     */
    record Causal() implements AttentionMask {}

    /** Added to the scores before the softmax (0 to keep, -inf to drop), in the scores' dtype. */
    record Additive(NDArray bias) implements AttentionMask {}

    /** True where the query may attend to the key. */
    record Bool(NDArray keep) implements AttentionMask {}

    static AttentionMask none() {
        return new None();
    }

    static AttentionMask causal() {
        return new Causal();
    }
}
