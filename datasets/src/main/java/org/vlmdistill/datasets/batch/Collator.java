package org.vlmdistill.datasets.batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Dynamic padding: a batch is as long as its longest sample, rounded up to a multiple of
 * {@code padToMultipleOf} (HF's {@code pad_to_multiple_of}; 8 or 64 keeps matmul shapes
 * tensor-core friendly, 1 rounds nothing).
 *
 * @param padId the tokenizer's pad token id; the mask, not this id, tells the model what is padding
 */
public record Collator(int padId, PaddingSide paddingSide, int padToMultipleOf) {

    public Collator {
        Objects.requireNonNull(paddingSide, "paddingSide");
        if (padToMultipleOf < 1) {
            throw new IllegalArgumentException("padToMultipleOf must be >= 1, was " + padToMultipleOf);
        }
    }

    /** Right padding to the longest sample: the training default. */
    public static Collator rightPadding(int padId) {
        return new Collator(padId, PaddingSide.RIGHT, 1);
    }

    public Collator withPaddingSide(PaddingSide side) {
        return new Collator(padId, side, padToMultipleOf);
    }

    public Collator withPadToMultipleOf(int multiple) {
        return new Collator(padId, paddingSide, multiple);
    }

    /** The padded length of a batch whose longest sample has {@code longest} tokens. */
    public int paddedLength(int longest) {
        return Math.multiplyExact((longest + padToMultipleOf - 1) / padToMultipleOf, padToMultipleOf);
    }

    /** Pads and stacks {@code samples} in the order given. */
    public <I> Batch<I> collate(List<TokenizedSample<I>> samples) {
        int longest = 0;
        for (TokenizedSample<I> s : samples) {
            longest = Math.max(longest, s.length());
        }
        int rows = samples.size();
        int length = paddedLength(longest);
        int cells = Math.multiplyExact(rows, length);
        int[] ids = new int[cells];
        int[] mask = new int[cells];
        int[] labels = new int[cells];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, TokenizedSample.IGNORE_INDEX);
        List<String> sampleIds = new ArrayList<>(rows);
        List<List<ImageSpan<I>>> images = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            TokenizedSample<I> s = samples.get(r);
            int pad = length - s.length();
            int shift = paddingSide == PaddingSide.LEFT ? pad : 0;
            int rowStart = r * length + shift;
            s.copyInto(ids, labels, rowStart);
            Arrays.fill(mask, rowStart, rowStart + s.length(), 1);
            sampleIds.add(s.id());
            images.add(s.images().stream().map(span -> span.shifted(shift)).toList());
        }
        return new Batch<>(rows, length, ids, mask, labels, sampleIds, images);
    }
}
