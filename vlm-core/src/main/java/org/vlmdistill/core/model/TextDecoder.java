package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.core.config.TextConfig;

/**
 * A decoder-only transformer (Llama, Qwen2): token embedding, pre-norm blocks with RoPE and
 * grouped-query attention, a final norm and the lm_head. Inputs are embeddings, so that image
 * features can be merged in first; see {@link #embedTokens}.
 */
public interface TextDecoder {

    TextConfig config();

    /** {@code [batch, seq]} int64 token ids to {@code [batch, seq, hidden_size]}. */
    NDArray embedTokens(NDArray inputIds);

    /**
     * The last hidden state after the final norm, {@code [batch, seq, hidden_size]}.
     *
     * @param inputsEmbeds  {@code [batch, seq, hidden_size]} in the model's dtype
     * @param attentionMask {@code [batch, past + seq]}, 1 for tokens and 0 for padding (as HF), or null
     *                      when nothing is padded; positions are {@code cumsum(mask) - 1} as in HF's
     *                      generate, so left padding works
     * @param cache         null for a plain forward; else its keys and values are attended to and this
     *                      call's are appended
     */
    NDArray forward(NDArray inputsEmbeds, NDArray attentionMask, KvCache cache);

    /**
     * {@link #forward(NDArray, NDArray, KvCache)} with the mask's padding known to the caller, so that a
     * decoder that builds its masks and positions on the device need not read the mask back to choose
     * between causal and explicit attention.
     *
     * @param padding null when nothing is padded
     */
    default NDArray forwardPadded(NDArray inputsEmbeds, PaddingMask padding, KvCache cache) {
        return forward(inputsEmbeds, padding == null ? null : padding.mask(), cache);
    }

    /** {@code [..., hidden_size]} to logits {@code [..., vocab_size]}. */
    NDArray lmHead(NDArray hidden);

    /**
     * The lm_head's weight {@code [vocab_size, hidden_size]} (the embedding table when tied), so a
     * loss can project chunks of hidden states itself and never hold the whole logits.
     */
    NDArray lmHeadWeight();

    /**
     * The head's module name under the head prefix the decoder was built with: {@code lm_head}
     * (transformers' {@code *ForCausalLM}), {@code output} ({@code InternLM2ForCausalLM}), so that a
     * family can name the head's component ({@code <head prefix><name>.}).
     */
    default String lmHeadName() {
        return "lm_head";
    }

    /** An empty cache for incremental decoding with this decoder. */
    KvCache newCache();
}
