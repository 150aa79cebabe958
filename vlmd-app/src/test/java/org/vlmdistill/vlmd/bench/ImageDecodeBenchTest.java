package org.vlmdistill.vlmd.bench;

import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The benchmark runs and reports every variant (a smoke test on tiny images; the figures are in BENCHMARKS.md). */
class ImageDecodeBenchTest {

    @Test
    void runsEveryVariantOnBothFormats() throws Exception {
        assumeTrue(new ImageDecoder().usesOpenCv(), "OpenCV's native library did not load here");
        ImageDecodeBench bench = new ImageDecodeBench(3, 64, 48, 2, 2, 16, ImageResize.Filter.BICUBIC, 0.9f);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ImageDecodeBench.Result result = bench.run(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(2, result.formats().size());
        for (ImageDecodeBench.FormatResult f : result.formats()) {
            assertEquals(ImageDecodeBench.VARIANTS.size(), f.series().size());
            for (String v : ImageDecodeBench.VARIANTS) {
                assertTrue(f.series(v).median() > 0, f.format() + " " + v);
                assertEquals(2, f.series(v).imagesPerSecond().length);
            }
            assertTrue(f.ratio("decode+resize") > 0 && Double.isFinite(f.ratio("decode+resize")));
            assertEquals(1.0, f.ratio("OpenCV imdecode"), 1e-12);
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("run 2:"), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void refusesAnEmptyPlan() {
        assertThrows(IllegalArgumentException.class, () -> new ImageDecodeBench(0, 1, 1, 1, 1, 1, ImageResize.Filter.BILINEAR, 0.9f));
    }
}
