package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CollatorTest {

    private static final int PAD = 0;
    private static final int X = TokenizedSample.IGNORE_INDEX;

    private static TokenizedSample<String> sample(String id, int[] ids, int[] labels, List<ImageSpan<String>> images) {
        return new TokenizedSample<>(id, ids, labels, images, "test " + id);
    }

    // a: 3 tokens, one image token at 1; b: 5 tokens, loss on the last two
    private final TokenizedSample<String> a = sample("a", new int[] {11, 12, 13}, new int[] {X, X, 13},
            List.of(new ImageSpan<>(1, 1, "img-a")));
    private final TokenizedSample<String> b = sample("b", new int[] {21, 22, 23, 24, 25},
            new int[] {X, X, X, 24, 25}, List.of());

    @Test
    void rightPaddingPadsIdsMasksAndLabelsAfterEachSample() {
        Batch<String> batch = Collator.rightPadding(PAD).collate(List.of(a, b));

        assertEquals(2, batch.size());
        assertEquals(5, batch.sequenceLength());
        assertArrayEquals(new int[] {
                11, 12, 13, PAD, PAD,
                21, 22, 23, 24, 25}, batch.inputIds());
        assertArrayEquals(new int[] {
                1, 1, 1, 0, 0,
                1, 1, 1, 1, 1}, batch.attentionMask());
        assertArrayEquals(new int[] {
                X, X, 13, X, X,
                X, X, X, 24, 25}, batch.labels());
        assertEquals(List.of("a", "b"), batch.sampleIds());
        assertEquals(List.of(List.of(new ImageSpan<>(1, 1, "img-a")), List.of()), batch.images());
        assertEquals(8, batch.realTokens());
        assertEquals(10, batch.paddedTokens());
    }

    @Test
    void leftPaddingPadsBeforeEachSampleAndMovesItsImages() {
        Batch<String> batch = new Collator(7, PaddingSide.LEFT, 1).collate(List.of(a, b));

        assertArrayEquals(new int[] {
                7, 7, 11, 12, 13,
                21, 22, 23, 24, 25}, batch.inputIds());
        assertArrayEquals(new int[] {
                0, 0, 1, 1, 1,
                1, 1, 1, 1, 1}, batch.attentionMask());
        assertArrayEquals(new int[] {
                X, X, X, X, 13,
                X, X, X, 24, 25}, batch.labels());
        assertEquals(List.of(new ImageSpan<>(3, 1, "img-a")), batch.images().get(0));
    }

    @Test
    void padToMultipleOfRoundsTheLengthUp() {
        Collator by4 = Collator.rightPadding(PAD).withPadToMultipleOf(4);
        Batch<String> batch = by4.collate(List.of(a, b));

        assertEquals(8, batch.sequenceLength());
        assertArrayEquals(new int[] {
                11, 12, 13, PAD, PAD, PAD, PAD, PAD,
                21, 22, 23, 24, 25, PAD, PAD, PAD}, batch.inputIds());
        assertArrayEquals(new int[] {
                X, X, 13, X, X, X, X, X,
                X, X, X, 24, 25, X, X, X}, batch.labels());
        assertEquals(8, batch.realTokens());
        assertEquals(16, batch.paddedTokens());

        // an exact multiple is not padded further
        assertEquals(4, by4.collate(List.of(sample("c", new int[4], new int[4], List.of()))).sequenceLength());
        assertEquals(0, by4.paddedLength(0));
    }

    @Test
    void noSamplesMakeAnEmptyBatch() {
        Batch<String> batch = Collator.rightPadding(PAD).collate(List.of());
        assertEquals(0, batch.size());
        assertEquals(0, batch.sequenceLength());
        assertEquals(0, batch.inputIds().length);
    }

    @Test
    void theBatchCannotBeChangedThroughItsArrays() {
        Batch<String> batch = Collator.rightPadding(PAD).collate(List.of(a, b));
        batch.inputIds()[0] = 99;
        batch.labels()[0] = 99;
        batch.attentionMask()[3] = 1;
        assertEquals(Collator.rightPadding(PAD).collate(List.of(a, b)), batch);
        assertEquals(11, batch.inputIds()[0]);
    }

    @Test
    void batchShapeMustMatchItsArrays() {
        assertThrows(IllegalArgumentException.class,
                () -> new Batch<String>(2, 3, new int[5], new int[6], new int[6], List.of("a", "b"),
                        List.of(List.of(), List.of())));
        assertThrows(IllegalArgumentException.class,
                () -> new Batch<String>(2, 3, new int[6], new int[6], new int[6], List.of("a"),
                        List.of(List.of(), List.of())));
    }
}
