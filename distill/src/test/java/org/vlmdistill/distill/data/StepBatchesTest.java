package org.vlmdistill.distill.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.Batch;
import org.vlmdistill.datasets.batch.BatchingConfig;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.SkippedSample;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.shapes.ShapesDataset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepBatchesTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @TempDir
    Path tmp;

    @Test
    void aRunResumedFromAMidRunCursorGetsTheBatchesThatWouldHaveFollowed() throws Exception {
        System.out.println("StepBatchesTest seed " + seed);
        try (TinyPair pair = TinyPair.create(tmp, seed, 7)) {
            PairedSamples samples = pair.samples(true);
            BatchingConfig config = BatchingConfig.of(2 + random.nextInt(2), seed);
            List<StepBatch> all = new ArrayList<>();
            try (StepBatches batches = pair.batches(samples, config, null, 2, 0)) {
                batches.forEachRemaining(all::add);
            }
            assertEquals(2 * Math.ceilDiv(7, config.batchSize()), all.size());
            int k = random.nextInt(all.size() - 1);
            // through JSON, as a checkpoint saves it; built ahead on the worker this time
            Cursor saved = Cursor.fromJson(all.get(k).resume().toJson());
            List<StepBatch> resumed = new ArrayList<>();
            try (StepBatches batches = pair.batches(samples, config, saved, 2, 2)) {
                batches.forEachRemaining(resumed::add);
            }
            assertEquals(all.size() - k - 1, resumed.size(), "resumed after batch " + k + ", seed " + seed);
            for (int i = 0; i < resumed.size(); i++) {
                assertSame(all.get(k + 1 + i), resumed.get(i));
            }
            // the two epochs visit the samples in different orders
            assertTrue(!all.getFirst().student().sampleIds().equals(all.get(all.size() / 2).student().sampleIds())
                    || config.batchSize() >= 7);
        }
    }

    @Test
    void aSampleWithACorruptImageIsListedAndTheRestOfItsBatchKept() throws Exception {
        System.out.println("StepBatchesTest seed " + seed);
        try (TinyPair pair = TinyPair.create(tmp, seed, 6)) {
            PairedSamples samples = pair.samples(true);
            int bad = random.nextInt(samples.size());
            String badId = samples.idOf(bad);
            Path image = tmp.resolve("shapes").resolve(ShapesDataset.IMAGES).resolve(badId + ".png");
            byte[] png = Files.readAllBytes(image);
            Files.write(image, Arrays.copyOf(png, png.length / 2)); // cut off mid-file
            BatchingConfig config = BatchingConfig.of(3, seed);
            int found = 0;
            try (StepBatches batches = pair.batches(samples, config, null, 1, 1)) {
                while (batches.hasNext()) {
                    StepBatch b = batches.next();
                    if (b.skipped().isEmpty()) {
                        assertEquals(3, b.student().size());
                        continue;
                    }
                    found++;
                    SkippedSample s = b.skipped().getFirst();
                    assertEquals(1, b.skipped().size());
                    assertEquals(bad, s.index());
                    assertEquals(badId, s.sampleId());
                    assertEquals(SkipReason.CORRUPT_IMAGE, s.reason());
                    assertTrue(s.detail().contains("record " + badId) && s.detail().contains(pair.data.toString()),
                            s.detail());
                    assertEquals(2, b.student().size());
                    assertEquals(2, b.teacher().size());
                    assertTrue(!b.student().sampleIds().contains(badId));
                }
            }
            assertEquals(1, found, "seed " + seed);
        }
    }

    @Test
    void pixelsStackEveryTileRowByRow() throws Exception {
        try (TinyPair pair = TinyPair.create(tmp, seed, 4);
             StepBatches batches = pair.batches(pair.samples(false), BatchingConfig.of(4, seed), null, 1, 0);
             NDManager manager = NDManager.newBaseManager()) {
            StepBatch b = batches.next();
            assertNull(b.teacher());
            List<PixelValues> images = b.student().images().stream().flatMap(List::stream).map(ImageSpan::image).toList();
            NDArray px = StepBatch.pixels(b.student(), manager);
            assertEquals(images.stream().mapToInt(PixelValues::tiles).sum(), px.getShape().get(0));
            assertEquals(5 * 4, px.getShape().get(0)); // 2x2 tiles and the global image, per sample
            float[] values = px.toFloatArray();
            int at = 0;
            for (PixelValues p : images) {
                assertArrayEquals(p.values(), Arrays.copyOfRange(values, at, at + p.values().length));
                at += p.values().length;
            }
            Batch<PixelValues> none = new Batch<>(0, 0, new int[0], new int[0], new int[0], List.of(), List.of());
            assertNull(StepBatch.pixels(none, manager));
        }
    }

    private static void assertSame(StepBatch expected, StepBatch actual) {
        assertEquals(expected.epoch(), actual.epoch());
        assertEquals(expected.step(), actual.step());
        assertEquals(expected.resume(), actual.resume());
        assertEquals(expected.skipped(), actual.skipped());
        for (var pair : List.of(List.of(expected.student(), actual.student()), List.of(expected.teacher(), actual.teacher()))) {
            Batch<PixelValues> e = pair.get(0);
            Batch<PixelValues> a = pair.get(1);
            assertEquals(e.sampleIds(), a.sampleIds());
            assertArrayEquals(e.inputIds(), a.inputIds());
            assertArrayEquals(e.attentionMask(), a.attentionMask());
            assertArrayEquals(e.labels(), a.labels());
            for (int r = 0; r < e.size(); r++) {
                List<ImageSpan<PixelValues>> es = e.images().get(r);
                List<ImageSpan<PixelValues>> as = a.images().get(r);
                assertEquals(es.size(), as.size());
                for (int k = 0; k < es.size(); k++) {
                    assertEquals(es.get(k).start(), as.get(k).start());
                    assertEquals(es.get(k).length(), as.get(k).length());
                    assertArrayEquals(es.get(k).image().values(), as.get(k).image().values());
                }
            }
        }
    }
}
