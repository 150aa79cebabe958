package org.vlmdistill.distill.align;

import org.vlmdistill.datasets.tokenizer.VocabularyAlignment;
import org.vlmdistill.datasets.tokenizer.AlignmentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.batch.Batch;
import org.vlmdistill.datasets.batch.BatchingConfig;
import org.vlmdistill.datasets.batch.Collator;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.distill.data.PairedSamples;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.data.StepBatches;
import org.vlmdistill.distill.data.TinyPair;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamAlignmentTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @TempDir
    Path tmp;

    @Test
    void matchesTextPositionsAcrossDifferentImageTokenCountsAndVocabSizes() throws Exception {
        System.out.println("StreamAlignmentTest seed " + seed);
        try (TinyPair pair = TinyPair.create(tmp, seed, 10)) {
            VocabularyAlignment.Result vocab = VocabularyAlignment.check(pair.studentDir.resolve("tokenizer.json"),
                    TinyPair.STUDENT.configVocabSize(), pair.teacherDir.resolve("tokenizer.json"),
                    TinyPair.TEACHER.configVocabSize());
            assertEquals(Math.min(TinyPair.STUDENT.configVocabSize(), TinyPair.TEACHER.configVocabSize()),
                    vocab.sharedVocab());
            assertEquals(TinyPair.STUDENT.configVocabSize(), vocab.sharedVocab());
            assertTrue(vocab.warnings().isEmpty(), vocab.warnings().toString());

            PairedSamples samples = pair.samples(true);
            int rowsSeen = 0;
            try (StepBatches batches = pair.batches(samples, BatchingConfig.of(1 + random.nextInt(4), seed), null, 1, 1)) {
                while (batches.hasNext()) {
                    StepBatch b = batches.next();
                    assertTrue(b.skipped().isEmpty(), b.skipped().toString());
                    AlignedRows rows = StreamAlignment.align(b);
                    Batch<?> s = b.student();
                    Batch<?> t = b.teacher();
                    int[] sIds = s.inputIds();
                    int[] tIds = t.inputIds();
                    int[] sMask = s.attentionMask();
                    for (int i = 0; i < sIds.length; i++) {
                        assertTrue(sMask[i] == 0 || sIds[i] != 0, "<unk> in a Shapes conversation, seed " + seed);
                    }
                    // the streams differ: each model expands the image into its own tokens
                    for (int r = 0; r < s.size(); r++) {
                        int sImage = s.images().get(r).stream().mapToInt(ImageSpan::length).sum();
                        int tImage = t.images().get(r).stream().mapToInt(ImageSpan::length).sum();
                        assertEquals(31, sImage);
                        assertEquals(19, tImage);
                    }
                    assertNotEquals(s.sequenceLength(), t.sequenceLength());
                    int labelled = 0;
                    for (int l : s.labels()) {
                        labelled += l != TokenizedSample.IGNORE_INDEX ? 1 : 0;
                    }
                    assertEquals(labelled, rows.size(), "seed " + seed);
                    assertTrue(rows.hasTeacherStream());
                    for (int r = 0; r < rows.size(); r++) {
                        int si = (int) rows.studentIndex()[r];
                        int ti = (int) rows.teacherIndex()[r];
                        assertEquals(rows.batchRow()[r], si / s.sequenceLength());
                        assertEquals(rows.batchRow()[r], ti / t.sequenceLength());
                        assertEquals(sIds[si], tIds[ti], "row " + r + " seed " + seed);
                        assertEquals(rows.labels()[r], sIds[si + 1]);
                        assertEquals(rows.labels()[r], tIds[ti + 1]);
                    }
                    rowsSeen += rows.size();
                }
            }
            assertTrue(rowsSeen > 0);
        }
    }

    @Test
    void withoutATeacherStreamThereAreNoTeacherPositions() throws Exception {
        try (TinyPair pair = TinyPair.create(tmp, seed, 3)) {
            PairedSamples samples = pair.samples(false);
            try (StepBatches batches = pair.batches(samples, BatchingConfig.of(3, seed), null, 1, 0)) {
                StepBatch b = batches.next();
                AlignedRows rows = StreamAlignment.align(b);
                assertTrue(rows.size() > 0);
                assertEquals(0, rows.teacherIndex().length);
            }
        }
    }

    @Test
    void refusesRowsWhoseTextsDiffer() {
        System.out.println("StreamAlignmentTest seed " + seed);
        int n = 8 + random.nextInt(20);
        int[] ids = new int[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 10 + random.nextInt(50);
            labels[i] = i >= n / 2 ? ids[i] : TokenizedSample.IGNORE_INDEX;
        }
        // the student has an image of 3 tokens after position 2, the teacher one of 5
        TokenizedSample<String> student = withImage("rec-7", ids, labels, 2, 3);
        int[] other = ids.clone();
        int k = random.nextInt(n);
        other[k] = ids[k] + 1;
        TokenizedSample<String> same = withImage("rec-7", ids, labels, 2, 5);
        TokenizedSample<String> teacher = withImage("rec-7", other, labels, 2, 5);
        Collator c = Collator.rightPadding(0);
        Batch<String> sb = c.collate(List.of(student));
        assertEquals(n - n / 2, StreamAlignment.align(sb, c.collate(List.of(same))).size());

        AlignmentException e = assertThrows(AlignmentException.class,
                () -> StreamAlignment.align(sb, c.collate(List.of(teacher))));
        assertTrue(e.getMessage().contains("sample rec-7"), e.getMessage());
        assertTrue(e.getMessage().contains("text index " + k + " "), e.getMessage());
        assertTrue(e.getMessage().contains("id " + ids[k]) && e.getMessage().contains("id " + other[k]), e.getMessage());
    }

    @Test
    void aLabelAfterAnImageTokenIsAnError() {
        int[] ids = {5, 6, 7, 8, 9, 10};
        int[] labels = {-100, -100, -100, -100, 9, 10};
        // the image covers positions 1..3, so position 3 (before the labelled 4) is not text
        TokenizedSample<String> s = withImage("rec-1", new int[] {5, 99, 99, 99, 9, 10}, labels, 1, 0);
        Batch<String> b = Collator.rightPadding(0).collate(List.of(s));
        AlignmentException e = assertThrows(AlignmentException.class, () -> StreamAlignment.align(b, null));
        assertTrue(e.getMessage().contains("sample rec-1") && e.getMessage().contains("position 3"), e.getMessage());
        assertEquals(6, ids.length);
    }

    /** {@code ids} with an image of {@code imageTokens} tokens (id 99) inserted after text position {@code after - 1}. */
    private static TokenizedSample<String> withImage(String id, int[] ids, int[] labels, int after, int imageTokens) {
        if (imageTokens == 0) {
            // ids already hold the image: positions [after, after + 3)
            return new TokenizedSample<>(id, ids, labels, List.of(new ImageSpan<>(after, 3, "img")), "test");
        }
        List<Integer> i = new ArrayList<>();
        List<Integer> l = new ArrayList<>();
        for (int p = 0; p < ids.length; p++) {
            if (p == after) {
                for (int q = 0; q < imageTokens; q++) {
                    i.add(99);
                    l.add(TokenizedSample.IGNORE_INDEX);
                }
            }
            i.add(ids[p]);
            l.add(labels[p]);
        }
        return new TokenizedSample<>(id, i.stream().mapToInt(Integer::intValue).toArray(),
                l.stream().mapToInt(Integer::intValue).toArray(), List.of(new ImageSpan<>(after, imageTokens, "img")), "test");
    }
}
