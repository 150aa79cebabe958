package org.vlmdistill.datasets.sample;

/** A tokenizer as the sample builder needs it: ids with the character span of each token. */
public interface TextEncoder {

    /** Ids of {@code text} (no special tokens added, no truncation) and each token's [start, end) in chars. */
    Encoded encode(String text);

    /** The string of one token, for display. */
    String tokenString(int id);

    /** @param charStart start of each token's span; @param charEnd end (exclusive) */
    record Encoded(int[] ids, int[] charStart, int[] charEnd) {
        public Encoded {
            if (ids.length != charStart.length || ids.length != charEnd.length) {
                throw new IllegalArgumentException("ids and spans differ in length");
            }
        }

        public int length() {
            return ids.length;
        }
    }
}
