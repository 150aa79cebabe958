package org.vlmdistill.datasets.sample;

/**
 * How records become token sequences.
 *
 * @param maxTokens  the token limit per sample
 * @param truncation what to do past the limit; images are never cut
 * @param labels     which turns carry the loss
 * @param content    how a turn's text and images are handed to the chat template
 */
public record SampleOptions(int maxTokens, Truncation truncation, LabelScope labels, ContentStyle content) {

    public SampleOptions {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be positive, got " + maxTokens);
        }
    }

    public static SampleOptions defaults() {
        return new SampleOptions(2048, Truncation.SHORTEN_TEXT, LabelScope.ASSISTANT, ContentStyle.AUTO);
    }

    public SampleOptions withMaxTokens(int n) {
        return new SampleOptions(n, truncation, labels, content);
    }

    public SampleOptions withTruncation(Truncation t) {
        return new SampleOptions(maxTokens, t, labels, content);
    }

    public SampleOptions withLabels(LabelScope l) {
        return new SampleOptions(maxTokens, truncation, l, content);
    }

    public enum Truncation {
        /** Skip the record (counted as too long). */
        DROP,
        /**
         * Keep the first maxTokens tokens, moving the cut back to before an image whose tokens it
         * would split (that image and the ones after it are dropped with their tokens); skip the
         * record if nothing labelled is left.
         */
        SHORTEN_TEXT
    }

    public enum LabelScope {
        /** Every assistant turn (the usual SFT and distillation setting). */
        ASSISTANT,
        /** Only the last assistant turn. */
        LAST_ASSISTANT,
        /** Every token (plain language modelling). */
        ALL
    }

    public enum ContentStyle {
        /** Parts when the template reads {@code ['type']} / {@code .type} of content items, else a string. */
        AUTO,
        /** {@code [{"type": "image"}, {"type": "text", "text": ...}]}, as VLM processors pass content. */
        PARTS,
        /** One string with the image placeholders inline. */
        STRING
    }
}
