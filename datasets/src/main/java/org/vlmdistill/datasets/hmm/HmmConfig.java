package org.vlmdistill.datasets.hmm;

/**
 * The shape of a seeded hidden Markov process and of its records.
 *
 * @param states             hidden states K; the first state is uniform over them
 * @param vocabulary         observable tokens V ({@code w00}, {@code w01}, ...)
 * @param successors         states each state can move to (distinct, weights drawn from [0.2, 1) and normalized)
 * @param emissions          tokens each state can emit (distinct, weights as above); tokens are shared between
 *                           states, so the state is hidden and the next token's distribution depends on the
 *                           whole history (the forward filter), not on the last token alone
 * @param promptTokens       the first tokens of a sequence, given in the user turn
 * @param continuationTokens the rest, the assistant turn: the positions training labels and scoring reads
 */
public record HmmConfig(int states, int vocabulary, int successors, int emissions, int promptTokens,
                        int continuationTokens) {
    public HmmConfig {
        if (states < 1 || vocabulary < 1 || promptTokens < 0 || continuationTokens < 1) {
            throw new IllegalArgumentException("an HMM needs at least one state, token and continuation token, got "
                    + this);
        }
        if (successors < 1 || successors > states || emissions < 1 || emissions > vocabulary) {
            throw new IllegalArgumentException("successors must be in [1, states] and emissions in [1, vocabulary], got "
                    + this);
        }
        if (vocabulary > 100) {
            throw new IllegalArgumentException("at most 100 tokens (w00..w99), got " + vocabulary);
        }
    }

    /**
     * 24 states, 16 tokens, 2 successors and 3 emitted tokens per state; 3 prompt and 12 continuation
     * tokens. At these settings (seed 2026) the truth's entropy is about 1.7 nats per continuation token,
     * and the best bigram predictor sits about 0.6 nats above it, the best trigram about 0.25: a model
     * that tracks more of the history predicts better, so capacity matters.
     */
    public static HmmConfig defaults() {
        return new HmmConfig(24, 16, 2, 3, 3, 12);
    }

    public int length() {
        return promptTokens + continuationTokens;
    }
}
