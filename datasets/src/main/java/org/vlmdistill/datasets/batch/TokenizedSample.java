package org.vlmdistill.datasets.batch;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One example after the chat template and the tokenizer: token ids, the labels the loss sees
 * ({@link #IGNORE_INDEX} where it sees nothing: prompt, image tokens), and where each image's run of
 * tokens lies. Built from a record by whoever owns the template; batching only pads and stacks it.
 *
 * <p>Invariants: {@code labels.length == inputIds.length}; image spans lie inside the sequence, in
 * order, without overlap. The arrays are copied in and out, so a sample never changes once made.
 *
 * @param id         the record's id, for messages and for the batch's id list
 * @param provenance where the record came from (file and place), for messages
 * @param <I>        the image payload type
 */
public record TokenizedSample<I>(String id, int[] inputIds, int[] labels, List<ImageSpan<I>> images,
                                 String provenance) {

    /** HF's {@code ignore_index}: cross-entropy skips positions with this label. */
    public static final int IGNORE_INDEX = -100;

    public TokenizedSample {
        Objects.requireNonNull(id, "id");
        inputIds = Objects.requireNonNull(inputIds, "inputIds").clone();
        labels = Objects.requireNonNull(labels, "labels").clone();
        images = List.copyOf(images);
        Objects.requireNonNull(provenance, "provenance");
        if (labels.length != inputIds.length) {
            throw new IllegalArgumentException("sample '" + id + "': " + inputIds.length + " input ids but "
                    + labels.length + " labels");
        }
        int previousEnd = 0;
        for (int k = 0; k < images.size(); k++) {
            ImageSpan<I> span = images.get(k);
            if (span.start() < previousEnd || span.end() > inputIds.length) {
                throw new IllegalArgumentException("sample '" + id + "': image " + k + " spans tokens ["
                        + span.start() + ", " + span.end() + ") of " + inputIds.length
                        + (span.start() < previousEnd ? ", overlapping or before image " + (k - 1) : ""));
            }
            previousEnd = span.end();
        }
    }

    /** Tokens in the sequence, the length bucketing and padding work with. */
    public int length() {
        return inputIds.length;
    }

    @Override
    public int[] inputIds() {
        return inputIds.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** Copies the ids and labels into a padded row without the accessors' defensive copies. */
    void copyInto(int[] ids, int[] labelRow, int offset) {
        System.arraycopy(inputIds, 0, ids, offset, inputIds.length);
        System.arraycopy(labels, 0, labelRow, offset, labels.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedSample<?> s && id.equals(s.id) && Arrays.equals(inputIds, s.inputIds)
                && Arrays.equals(labels, s.labels) && images.equals(s.images) && provenance.equals(s.provenance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(inputIds), Arrays.hashCode(labels), images, provenance);
    }

    @Override
    public String toString() {
        return "TokenizedSample[id=" + id + ", length=" + inputIds.length + ", images=" + images.size()
                + ", provenance=" + provenance + "]";
    }
}
