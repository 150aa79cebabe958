package org.vlmdistill.datasets.tokenizer;

import java.util.List;

/**
 * One encoded text. Token {@code i} is {@code ids[i]}, spelled {@code tokens.get(i)} in the vocabulary
 * (byte-level BPE spells a space {@code Ġ}), and covers {@code text.substring(starts[i], ends[i])} of
 * the encoded string (Java char indices). The arrays are the encoder's own; do not modify them.
 */
public record Tokens(long[] ids, List<String> tokens, int[] starts, int[] ends) {

    public Tokens {
        if (tokens.size() != ids.length || starts.length != ids.length || ends.length != ids.length) {
            throw new IllegalArgumentException("ids, tokens, starts and ends differ in length: " + ids.length + ", "
                    + tokens.size() + ", " + starts.length + ", " + ends.length);
        }
        tokens = List.copyOf(tokens);
    }

    public int size() {
        return ids.length;
    }
}
