package org.vlmdistill.distill.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.check.DatasetCheck;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.core.model.PixelValues;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

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

    /**
     * The check before a run's first step and {@code vlmd data check} name the same records with the same
     * place, id, reason and detail: a random subset of a Shapes set's images made empty, cut short, text
     * or over the pixel limit.
     */
    @Test
    void theRunsCheckFindsWhatDataCheckFinds() throws Exception {
        try (TinyPair pair = TinyPair.create(tmp, seed, 10)) {
            PairedSamples samples = pair.samples(true);
            List<Integer> broken = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                if (random.nextInt(3) > 0) {
                    continue;
                }
                broken.add(i);
                Path image = ((ImageSource.File) samples.record(i).images().getFirst()).path();
                byte[] png = Files.readAllBytes(image);
                Files.write(image, switch (random.nextInt(4)) {
                    case 0 -> new byte[0];
                    case 1 -> Arrays.copyOf(png, 1 + random.nextInt(png.length - 1));
                    case 2 -> "text, not an image".getBytes(StandardCharsets.US_ASCII);
                    default -> {
                        byte[] big = png.clone(); // IHDR 100000 x 100000, its CRC redone
                        ByteBuffer.wrap(big, 16, 8).putInt(100_000).putInt(100_000);
                        CRC32 crc = new CRC32();
                        crc.update(big, 12, 17);
                        ByteBuffer.wrap(big, 29, 4).putInt((int) crc.getValue());
                        yield big;
                    }
                });
            }
            PairedSamples.Unusable unusable = samples.unusable();
            assertArrayEquals(broken.stream().mapToInt(Integer::intValue).toArray(), unusable.indices(), "seed " + seed);
            DatasetCheck.CheckReport check = DatasetCheck.run(List.of(pair.data), ReaderOptions.DEFAULTS, new ImageDecoder(),
                    Optional.of(pair.studentSamples), n -> { });
            assertEquals(check.skippedRecords(), unusable.records(), "seed " + seed);
            PairedSamples usable = samples.without(unusable);
            assertEquals(samples.size() - broken.size(), usable.size());
            assertEquals(broken.size(), usable.readStats().skipped());
            for (int i = 0; i < usable.size(); i++) {
                usable.get(i); // every one left builds
            }
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
