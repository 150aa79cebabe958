package org.vlmdistill.distill.align;

import java.util.List;

/**
 * The token rows one micro-batch's loss sees, matched across the two models' streams.
 *
 * <p>Row {@code r} is a student position {@code i} in batch row {@code batchRow[r]} whose next token
 * carries a label ({@code labels[i + 1] != -100}, HF's shift). Teacher and student may expand an
 * image into different numbers of tokens, so rows are matched by their index among the row's text
 * tokens (tokens outside every image span): {@code textIndex[r]} is that index, the same in both
 * streams once {@link StreamAlignment} has checked the two text-id sequences are identical.
 *
 * @param studentIndex flat position {@code batchRow * studentSeqLen + i} into the student's {@code [B, T_s]}
 * @param teacherIndex flat position into the teacher's {@code [B, T_t]}; empty when there is no
 *                     teacher stream (offline cache, SFT)
 * @param labels       the next token id of each row
 * @param batchRow     the batch row of each row
 * @param textIndex    the row's index among its batch row's text tokens (the cache's key with the sample id)
 * @param sampleIds    the sample id of each batch row
 */
public record AlignedRows(long[] studentIndex, long[] teacherIndex, long[] labels, int[] batchRow,
                          int[] textIndex, List<String> sampleIds) {
    public AlignedRows {
        int n = studentIndex.length;
        if (labels.length != n || batchRow.length != n || textIndex.length != n
                || (teacherIndex.length != 0 && teacherIndex.length != n)) {
            throw new IllegalArgumentException("aligned rows of unequal lengths: " + n + " student, "
                    + teacherIndex.length + " teacher, " + labels.length + " labels, " + batchRow.length
                    + " batch rows, " + textIndex.length + " text indices");
        }
        sampleIds = List.copyOf(sampleIds);
    }

    public int size() {
        return studentIndex.length;
    }

    public boolean hasTeacherStream() {
        return teacherIndex.length != 0;
    }
}
