package org.vlmdistill.distill.align;

import org.vlmdistill.datasets.tokenizer.AlignmentException;
import org.vlmdistill.datasets.batch.Batch;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.distill.data.StepBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Matches one micro-batch's loss positions across the two models' token streams (see {@link AlignedRows}).
 *
 * <p>A text position is one with attention mask 1 outside every image span of its row (a span covers
 * the image's whole expansion, its row and column marker tokens included). A loss row is a student
 * position {@code i} whose next token carries a label; the teacher's position for it is the teacher row's
 * text position with the same index among text positions, valid because the two rows' text-id sequences
 * are checked to be identical first.
 */
public final class StreamAlignment {
    private StreamAlignment() {
    }

    /**
     * @throws AlignmentException naming the sample and text index where the two streams' texts differ, or a
     *                            loss position that is not a text position
     */
    public static AlignedRows align(StepBatch batch) {
        return align(batch.student(), batch.teacher());
    }

    /** @param teacher null when there is no teacher stream: {@link AlignedRows#teacherIndex()} is then empty */
    public static AlignedRows align(Batch<?> student, Batch<?> teacher) {
        if (teacher != null && !teacher.sampleIds().equals(student.sampleIds())) {
            throw new IllegalArgumentException("teacher and student batches hold different samples: "
                    + teacher.sampleIds() + " vs " + student.sampleIds());
        }
        int rows = student.size();
        int ts = student.sequenceLength();
        int[] sIds = student.inputIds();
        int[] sLabels = student.labels();
        int[] sText = textIndices(student);
        int[] tIds = teacher == null ? null : teacher.inputIds();
        int[] tText = teacher == null ? null : textIndices(teacher);
        int tt = teacher == null ? 0 : teacher.sequenceLength();

        List<long[]> found = new ArrayList<>(); // {studentIndex, teacherIndex, label, row, textIndex}
        for (int b = 0; b < rows; b++) {
            String id = student.sampleIds().get(b);
            int[] teacherPositions = null;
            if (teacher != null) {
                int[] studentPositions = positions(sText, b, ts);
                teacherPositions = positions(tText, b, tt);
                compareTexts(id, sIds, b * ts, studentPositions, tIds, b * tt, teacherPositions);
            }
            for (int i = 0; i + 1 < ts; i++) {
                int label = sLabels[b * ts + i + 1];
                if (label == TokenizedSample.IGNORE_INDEX) {
                    continue;
                }
                int k = sText[b * ts + i];
                if (k < 0) {
                    throw new AlignmentException("sample " + id + ": the token after student position " + i
                            + " carries a label, but position " + i + " is inside an image or padding, so it has "
                            + "no counterpart in the teacher's stream", List.of("sample " + id + " position " + i));
                }
                long teacherIndex = teacherPositions == null ? -1 : (long) b * tt + teacherPositions[k];
                found.add(new long[] {(long) b * ts + i, teacherIndex, label, b, k});
            }
        }
        int n = found.size();
        long[] studentIndex = new long[n];
        long[] teacherIndex = new long[teacher == null ? 0 : n];
        long[] labels = new long[n];
        int[] batchRow = new int[n];
        int[] textIndex = new int[n];
        for (int r = 0; r < n; r++) {
            long[] f = found.get(r);
            studentIndex[r] = f[0];
            if (teacher != null) {
                teacherIndex[r] = f[1];
            }
            labels[r] = f[2];
            batchRow[r] = (int) f[3];
            textIndex[r] = (int) f[4];
        }
        return new AlignedRows(studentIndex, teacherIndex, labels, batchRow, textIndex, student.sampleIds());
    }

    /** For each cell of the batch, its index among its row's text positions, or -1. */
    static int[] textIndices(Batch<?> batch) {
        int t = batch.sequenceLength();
        int[] mask = batch.attentionMask();
        int[] index = new int[batch.size() * t];
        for (int b = 0; b < batch.size(); b++) {
            boolean[] image = new boolean[t];
            for (ImageSpan<?> span : batch.images().get(b)) {
                java.util.Arrays.fill(image, span.start(), span.end(), true);
            }
            int k = 0;
            for (int i = 0; i < t; i++) {
                index[b * t + i] = mask[b * t + i] == 1 && !image[i] ? k++ : -1;
            }
        }
        return index;
    }

    /** Row {@code b}'s text positions, in order. */
    private static int[] positions(int[] textIndex, int b, int t) {
        int count = 0;
        for (int i = 0; i < t; i++) {
            count += textIndex[b * t + i] >= 0 ? 1 : 0;
        }
        int[] out = new int[count];
        for (int i = 0; i < t; i++) {
            int k = textIndex[b * t + i];
            if (k >= 0) {
                out[k] = i;
            }
        }
        return out;
    }

    private static void compareTexts(String id, int[] sIds, int sRow, int[] sPos, int[] tIds, int tRow, int[] tPos) {
        int common = Math.min(sPos.length, tPos.length);
        for (int k = 0; k < common; k++) {
            int s = sIds[sRow + sPos[k]];
            int t = tIds[tRow + tPos[k]];
            if (s != t) {
                throw new AlignmentException("sample " + id + ": the student's and the teacher's text differ at text "
                        + "index " + k + " (student position " + sPos[k] + " id " + s + ", teacher position "
                        + tPos[k] + " id " + t + "); check that both use the same tokenizer and chat template",
                        List.of("sample " + id + " text index " + k + ": student id " + s + ", teacher id " + t));
            }
        }
        if (sPos.length != tPos.length) {
            throw new AlignmentException("sample " + id + ": the student's text has " + sPos.length
                    + " tokens and the teacher's " + tPos.length + "; they differ from text index " + common,
                    List.of("sample " + id + " text index " + common + ": text lengths " + sPos.length + " and "
                            + tPos.length));
        }
    }
}
