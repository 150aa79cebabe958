package org.vlmdistill.datasets.sample;

import org.vlmdistill.datasets.batch.TokenizedSample;

import java.util.List;

/**
 * A conversation's text as one model sees it, before its images are attached ({@link ModelInput}): the rendered text with images expanded into that model's image
 * tokens, its token ids, and labels ({@code -100} where no loss is taken; HF's convention: labels
 * are not shifted, the model shifts them).
 *
 * @param imageRuns where each kept image's tokens lie in {@code inputIds}
 * @param shortened whether text was cut to fit the token limit (images never are)
 */
public record EncodedConversation(String id, String text, int[] inputIds, int[] labels, List<ImageRun> imageRuns,
                                  boolean shortened) {
    public static final int IGNORE_INDEX = TokenizedSample.IGNORE_INDEX;

    /** The span of {@code [start, start + length)} tokens that image {@code imageIndex} of the record became. */
    public record ImageRun(int imageIndex, int start, int length) {}

    public int length() {
        return inputIds.length;
    }

    /** Tokens that carry a label. */
    public int labelledTokens() {
        int n = 0;
        for (int l : labels) {
            n += l != IGNORE_INDEX ? 1 : 0;
        }
        return n;
    }
}
