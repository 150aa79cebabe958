package org.vlmdistill.datasets.image;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.image.RgbImage;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every fixture decodes to exactly what Pillow made of it (expected/*.rgb, from pil_reference.py:
 * exif_transpose; the colour as convert("RGB") gives it, and the alpha band where Pillow has one):
 * orientation, CMYK and YCCK, 16-bit, palettes, alpha,
 * GIF frames on their logical screen, progressive and subsampled JPEGs.
 */
class PillowParityTest {

    /**
     * Where the ImageIO-only decoder (no OpenCV) is not exact, and its measured largest difference.
     * The JDK's libjpeg 6b replicates chroma vertically in 4:4:0 JPEGs where libjpeg-turbo (Pillow's)
     * interpolates it; TwelveMonkeys' VP8 decoder replicates chroma where libwebp interpolates it
     * (the flat-cell fixtures show it at their sharp colour edges, the photo in its texture).
     */
    private static final Map<String, Integer> IMAGEIO_ONLY_DIFFERENCES = Map.of(
            "photo-1x2.jpg", 18,
            "photo-lossy.webp", 26,
            "webp-lossy.webp", 127,
            "webp-alpha-lossy.webp", 145);

    @Test
    void withOpenCvEveryFixtureIsPillowsExactly() {
        ImageDecoder decoder = new ImageDecoder();
        assumeTrue(decoder.usesOpenCv(), "OpenCV's native library did not load here");
        Map<String, Integer> diffs = diffs(decoder);
        System.out.println("with OpenCV, max |ours - Pillow| per fixture: " + diffs);
        diffs.forEach((file, diff) -> assertEquals(0, diff, file + " differs from Pillow"));
    }

    @Test
    void imageIoOnlyIsExactButForChromaUpsampling() {
        Map<String, Integer> diffs = diffs(new ImageDecoder(ImageDecoder.Options.defaults().withOpenCv(false)));
        System.out.println("ImageIO only, max |ours - Pillow| per fixture: " + diffs);
        diffs.forEach((file, diff) -> assertTrue(diff <= IMAGEIO_ONLY_DIFFERENCES.getOrDefault(file, 0),
                file + " differs from Pillow by " + diff));
        // away from the edges the cells are right even there
        RgbImage lossy = new ImageDecoder(ImageDecoder.Options.defaults().withOpenCv(false))
                .decode("webp-lossy.webp", Fixtures.bytes("webp-lossy.webp"));
        for (int i = 0; i < 6; i++) {
            Fixtures.assertColor(Fixtures.PATTERN_CELLS[i], Fixtures.cell(lossy, i % 3, i / 3), 3, "webp-lossy cell " + i);
        }
    }

    private static Map<String, Integer> diffs(ImageDecoder decoder) {
        Map<String, Integer> diffs = new TreeMap<>();
        for (Fixtures.Expected e : Fixtures.expected()) {
            RgbImage ours = decoder.decode(e.file(), Fixtures.bytes(e.file()));
            assertEquals(e.width() + "x" + e.height(), ours.width() + "x" + ours.height(), e.file() + " size");
            diffs.put(e.file(), Fixtures.maxDiff(e.pillow(), ours));
        }
        return diffs;
    }
}
