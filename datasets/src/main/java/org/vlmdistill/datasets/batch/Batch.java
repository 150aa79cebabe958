package org.vlmdistill.datasets.batch;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Samples padded to a common length and stacked. The three token arrays are row-major
 * {@code (size, sequenceLength)}: row {@code r} holds sample {@code sampleIds[r]}.
 * <ul>
 *   <li>{@code inputIds}: the sample's ids, the rest {@code padId};</li>
 *   <li>{@code attentionMask}: 1 on real tokens, 0 on padding (HF's {@code attention_mask});</li>
 *   <li>{@code labels}: the sample's labels, {@link TokenizedSample#IGNORE_INDEX} on padding.</li>
 * </ul>
 * {@code images[r]} are row r's image spans, with positions in the padded row (shifted by the pad
 * count under left padding). A batch may be empty (size 0) when every sample in it was skipped.
 *
 * <p>Immutable: the accessors return copies. One copy of {@code size * sequenceLength} ints per step
 * is nothing beside the forward pass that reads it.
 */
public record Batch<I>(int size, int sequenceLength, int[] inputIds, int[] attentionMask, int[] labels,
                       List<String> sampleIds, List<List<ImageSpan<I>>> images) {

    public Batch {
        if (size < 0 || sequenceLength < 0) {
            throw new IllegalArgumentException("batch shape (" + size + ", " + sequenceLength + ")");
        }
        int cells = Math.multiplyExact(size, sequenceLength);
        inputIds = requireLength(inputIds, cells, "inputIds");
        attentionMask = requireLength(attentionMask, cells, "attentionMask");
        labels = requireLength(labels, cells, "labels");
        sampleIds = List.copyOf(sampleIds);
        images = images.stream().<List<ImageSpan<I>>>map(List::copyOf).toList();
        if (sampleIds.size() != size || images.size() != size) {
            throw new IllegalArgumentException("batch of " + size + " rows with " + sampleIds.size() + " ids and "
                    + images.size() + " image lists");
        }
    }

    private static int[] requireLength(int[] a, int cells, String name) {
        if (Objects.requireNonNull(a, name).length != cells) {
            throw new IllegalArgumentException(name + " has " + a.length + " entries, the shape needs " + cells);
        }
        return a.clone();
    }

    @Override
    public int[] inputIds() {
        return inputIds.clone();
    }

    @Override
    public int[] attentionMask() {
        return attentionMask.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** Tokens that belong to samples: the sum of the attention mask. */
    public long realTokens() {
        long n = 0;
        for (int m : attentionMask) {
            n += m;
        }
        return n;
    }

    /** Cells in the padded arrays, {@code size * sequenceLength}: what the model computes on. */
    public long paddedTokens() {
        return (long) size * sequenceLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch<?> b && size == b.size && sequenceLength == b.sequenceLength
                && Arrays.equals(inputIds, b.inputIds) && Arrays.equals(attentionMask, b.attentionMask)
                && Arrays.equals(labels, b.labels) && sampleIds.equals(b.sampleIds) && images.equals(b.images);
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, sequenceLength, Arrays.hashCode(inputIds), Arrays.hashCode(attentionMask),
                Arrays.hashCode(labels), sampleIds, images);
    }

    @Override
    public String toString() {
        return "Batch[" + size + " x " + sequenceLength + ", samples=" + sampleIds + "]";
    }
}
