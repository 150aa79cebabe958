package org.vlmdistill.decoder.generate;

/**
 * One row's result.
 *
 * @param tokens the generated ids, without the prompt and without the EOS that stopped it
 * @param finishReason why it stopped
 * @param eosTokenId the EOS id that stopped it, or -1
 */
public record Generation(int[] tokens, FinishReason finishReason, int eosTokenId) {

    public enum FinishReason {
        /** Generated one of the EOS ids. */
        EOS,
        /** Reached max_new_tokens. */
        MAX_NEW_TOKENS
    }
}
