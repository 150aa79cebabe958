package org.vlmdistill.distill.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.core.model.PixelValues;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairedSamplesTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @TempDir
    Path tmp;

    @Test
    void concurrentGetsGiveTheSameSamplesAndTheReadersSkipsAreKept() throws Exception {
        System.out.println("PairedSamplesTest seed " + seed);
        try (TinyPair pair = TinyPair.create(tmp, seed, 8)) {
            Files.writeString(pair.data, "{not json\n", StandardOpenOption.APPEND);
            PairedSamples samples = pair.samples(true);
            assertEquals(8, samples.size());
            assertEquals(1, samples.readStats().skipped());
            assertEquals(SkipReason.MALFORMED_JSON, samples.readStats().skippedRecords().getFirst().reason());
            List<PairedSample> sequential = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                PairedSample p = samples.get(i);
                assertEquals(samples.idOf(i), p.id());
                assertTrue(p.teacher().length() < p.student().length(), "teacher expands the image into fewer tokens");
                sequential.add(p);
            }
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<PairedSample>> futures = new ArrayList<>();
                for (int k = 0; k < 32; k++) {
                    int i = random.nextInt(samples.size());
                    futures.add(pool.submit(() -> samples.get(i)));
                }
                for (Future<PairedSample> f : futures) {
                    PairedSample p = f.get();
                    PairedSample expected = sequential.get(Integer.parseInt(p.id().replaceAll("\\D", "")));
                    assertSameSample(expected.student(), p.student());
                    assertSameSample(expected.teacher(), p.teacher());
                }
            }
        }
    }

    @Test
    void aRecordTooLongForAModelIsSkippedNamingItsFile() throws Exception {
        try (TinyPair pair = TinyPair.create(tmp, seed, 2);
             ModelSamples shortStudent = ModelSamples.open(pair.studentDir,
                     SampleOptions.defaults().withMaxTokens(20).withTruncation(SampleOptions.Truncation.DROP))) {
            PairedSamples samples = PairedSamples.read(List.of(pair.data), ReaderOptions.DEFAULTS, new ImageDecoder(),
                    shortStudent, null);
            SkipSampleException e = assertThrows(SkipSampleException.class, () -> samples.get(1));
            assertEquals(SkipReason.TOO_LONG, e.reason());
            assertTrue(e.detail().contains("record " + samples.idOf(1)) && e.detail().contains(pair.data.toString())
                    && e.detail().contains("student"), e.detail());
        }
    }

    private static void assertSameSample(TokenizedSample<PixelValues> a, TokenizedSample<PixelValues> b) {
        assertEquals(a.id(), b.id());
        assertArrayEquals(a.inputIds(), b.inputIds());
        assertArrayEquals(a.labels(), b.labels());
        assertEquals(a.images().size(), b.images().size());
        for (int k = 0; k < a.images().size(); k++) {
            ImageSpan<PixelValues> x = a.images().get(k);
            ImageSpan<PixelValues> y = b.images().get(k);
            assertEquals(x.start(), y.start());
            assertEquals(x.length(), y.length());
            assertArrayEquals(x.image().values(), y.image().values());
        }
    }
}
