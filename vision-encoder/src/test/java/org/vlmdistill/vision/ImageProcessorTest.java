package org.vlmdistill.vision;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.config.Idefics3Config;
import org.vlmdistill.core.config.LlavaConfig;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.vision.clip.ClipImageProcessor;
import org.vlmdistill.vision.idefics3.Idefics3ImageProcessor;
import org.vlmdistill.vision.idefics3.Idefics3ImageTokens;
import org.vlmdistill.vision.llava.LlavaImageProcessors;
import org.vlmdistill.vision.processor.Normalization;
import org.vlmdistill.vision.siglip.SiglipImageProcessor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageProcessorTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    static Idefics3Config idefics3() {
        return (Idefics3Config) Tiny.config("{'model_type': 'idefics3', 'scale_factor': 2, 'text_config': "
                + Tiny.TEXT + ", 'vision_config': {" + Tiny.VISION.formatted(2) + "}}");
    }

    static LlavaConfig llava(String vision, String strategy) {
        return (LlavaConfig) Tiny.config("{'model_type': 'llava', 'vision_feature_select_strategy': '" + strategy
                + "', 'text_config': " + Tiny.TEXT + ", 'vision_config': " + vision + "}");
    }

    private static Idefics3ImageProcessor idefics3(String preprocessor) {
        return new Idefics3ImageProcessor(Tiny.json(preprocessor), idefics3());
    }

    /** {@code (float(v * (1/255)) - mean) / std} in float32, as numpy. */
    private static float normalized(int v, double mean, double std) {
        return ((float) (v * (1.0 / 255)) - (float) mean) / (float) std;
    }

    private static void assertTile(RgbImage source, int left, int top, PixelValues px, int tile, double[] mean,
                                   double[] std) {
        int h = px.height();
        int w = px.width();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float got = px.values()[((tile * 3 + c) * h + y) * w + x];
                    float want = normalized(source.at(left + x, top + y, c), mean[c], std[c]);
                    assertEquals(want, got, 0f, "tile " + tile + " channel " + c + " at (" + x + ", " + y + ")");
                }
            }
        }
    }

    @Test
    void idefics3TilingAgreesWithTheTokenLayout() {
        Idefics3ImageProcessor p = idefics3("{'size': {'longest_edge': 96}, 'max_image_size': {'longest_edge': 32}}");
        Idefics3ImageTokens layout = p.layout();
        assertEquals(4, layout.imageSeqLen());
        for (int i = 0; i < 60; i++) {
            int w = 1 + random.nextInt(random.nextBoolean() ? 40 : 400);
            int h = 1 + random.nextInt(random.nextBoolean() ? 40 : 400);
            PixelValues px = p.process(Tiny.image(random, w, h));
            int[] grid = layout.grid(w, h);
            String at = "seed " + seed + ", image " + w + "x" + h;
            assertEquals(grid[0], px.rows(), at);
            assertEquals(grid[1], px.cols(), at);
            assertEquals(grid[0] * grid[1] + 1, px.tiles(), at);
            assertEquals(layout.imageTokenCount(w, h), px.tiles() * layout.imageSeqLen(), at);
            assertEquals(32, px.height());
            assertEquals(32, px.width());
        }
    }

    @Test
    void idefics3WithoutSplittingIsOneSquareTile() {
        Idefics3ImageProcessor p = idefics3("{'do_image_splitting': false, 'size': {'longest_edge': 96},"
                + " 'max_image_size': {'longest_edge': 32}}");
        for (int i = 0; i < 10; i++) {
            int w = 1 + random.nextInt(300);
            int h = 1 + random.nextInt(300);
            PixelValues px = p.process(Tiny.image(random, w, h));
            assertEquals(1, px.tiles(), "seed " + seed);
            assertEquals(0, px.rows());
            assertEquals(p.layout().imageTokenCount(w, h), 4);
        }
    }

    @Test
    void idefics3TilesAreTheRightPixelsInHfOrder() {
        // 64x64 with longest_edge 64 and tiles of 32: no resize, 2x2 tiles row by row, then the global image
        Idefics3ImageProcessor p = idefics3("{'size': {'longest_edge': 64}, 'max_image_size': {'longest_edge': 32}}");
        RgbImage image = Tiny.image(random, 64, 64);
        PixelValues px = p.process(image);
        assertEquals(5, px.tiles());
        assertEquals(2, px.rows());
        assertEquals(2, px.cols());
        double[] half = {0.5, 0.5, 0.5};
        assertTile(image, 0, 0, px, 0, half, half);
        assertTile(image, 32, 0, px, 1, half, half);
        assertTile(image, 0, 32, px, 2, half, half);
        assertTile(image, 32, 32, px, 3, half, half);
        // the global tile is the whole image resized with LANCZOS (the default resample)
        assertTile(ImageResize.resize(image, 32, 32, ImageResize.Filter.LANCZOS), 0, 0, px, 4, half, half);

        // 64 wide, 32 high: one row of two tiles
        RgbImage wide = Tiny.image(random, 64, 32);
        PixelValues w = p.process(wide);
        assertEquals(3, w.tiles());
        assertEquals(1, w.rows());
        assertEquals(2, w.cols());
        assertTile(wide, 32, 0, w, 1, half, half);
    }

    @Test
    void normalizationValuesAreExact() {
        // a 32x32 image that no resize touches; mean and std from the file
        Idefics3ImageProcessor p = idefics3("{'do_image_splitting': false, 'size': {'longest_edge': 32},"
                + " 'max_image_size': {'longest_edge': 32}, 'image_mean': [0.1, 0.2, 0.3], 'image_std': 0.25}");
        RgbImage image = Tiny.image(random, 32, 32);
        assertTile(image, 0, 0, p.process(image), 0, new double[] {0.1, 0.2, 0.3}, new double[] {0.25, 0.25, 0.25});
        // known values: 0 -> -1, 255 -> 1 with 0.5/0.5
        byte[] rgb = new byte[32 * 32 * 3];
        rgb[0] = (byte) 255;
        PixelValues px = idefics3("{'do_image_splitting': false, 'size': {'longest_edge': 32},"
                + " 'max_image_size': {'longest_edge': 32}}").process(new RgbImage(32, 32, rgb));
        assertEquals(1.0f, px.values()[0], 1e-7f);
        assertEquals(-1.0f, px.values()[1], 0f);
        assertEquals(-1.0f, px.values()[32 * 32], 0f);

        ImageProcessor clip = LlavaImageProcessors.forModel(Tiny.json("{'size': {'shortest_edge': 32},"
                + " 'crop_size': {'height': 32, 'width': 32}}"), llava(Tiny.clipJson(2), "default"));
        assertTile(image, 0, 0, clip.process(image), 0, Normalization.OPENAI_CLIP_MEAN, Normalization.OPENAI_CLIP_STD);
    }

    @Test
    void clipResizesTheShortestEdgeThenCentreCrops() {
        ClipImageProcessor p = (ClipImageProcessor) LlavaImageProcessors.forModel(Tiny.json(
                "{'image_processor_type': 'CLIPImageProcessor', 'size': {'shortest_edge': 32}, 'crop_size': 32}"),
                llava(Tiny.clipJson(2), "default"));
        // 40x32 needs no resize; the crop starts at x = (40 - 32) / 2 = 4
        RgbImage image = Tiny.image(random, 40, 32);
        assertTile(image, 4, 0, p.process(image), 0, Normalization.OPENAI_CLIP_MEAN, Normalization.OPENAI_CLIP_STD);
        assertArrayEquals(new int[] {32, 48}, ClipImageProcessor.shortestEdgeSize(64, 97, 32));
        assertArrayEquals(new int[] {53, 32}, ClipImageProcessor.shortestEdgeSize(100, 60, 32));
        for (int i = 0; i < 20; i++) {
            int w = 1 + random.nextInt(200);
            int h = 1 + random.nextInt(200);
            PixelValues px = p.process(Tiny.image(random, w, h));
            assertEquals(32, px.width(), "seed " + seed + " " + w + "x" + h);
            assertEquals(32, px.height());
        }
        // CLIP tower, 4x4 patches + CLS - 1 for "default"
        assertEquals(16, p.layout().imageTokenCount(100, 7));
        assertEquals(17, LlavaImageProcessors.forModel(Tiny.json("{'size': 32, 'crop_size': 32}"),
                llava(Tiny.clipJson(2), "full")).layout().imageTokenCount(1, 1));
    }

    @Test
    void siglipResizesToTheSquare() {
        ImageProcessor p = LlavaImageProcessors.forModel(Tiny.json("{'size': {'height': 32, 'width': 32}}"),
                llava(Tiny.siglipJson(2), "full"));
        assertInstanceOf(SiglipImageProcessor.class, p);
        RgbImage image = Tiny.image(random, 50, 20);
        double[] half = {0.5, 0.5, 0.5};
        assertTile(ImageResize.resize(image, 32, 32, ImageResize.Filter.BICUBIC), 0, 0, p.process(image), 0, half, half);
        assertEquals(16, p.layout().imageTokenCount(50, 20));
        assertEquals(15, LlavaImageProcessors.forModel(Tiny.json("{'size': {'height': 32, 'width': 32}}"),
                llava(Tiny.siglipJson(2), "default")).layout().imageTokenCount(50, 20));
    }

    @Test
    void badSettingsAndImagesAreRejectedSayingWhy() {
        IllegalArgumentException nearest = assertThrows(IllegalArgumentException.class,
                () -> idefics3("{'resample': 0}"));
        assertTrue(nearest.getMessage().contains("NEAREST"), nearest.getMessage());
        assertThrows(IllegalArgumentException.class, () -> idefics3("{'resample': 9}"));
        assertThrows(IllegalArgumentException.class, () -> idefics3("{'size': {'longest_edge': -3}}"));
        assertThrows(IllegalArgumentException.class, () -> idefics3("{'image_mean': [0.5, 0.5]}"));
        assertThrows(IllegalArgumentException.class, () -> idefics3("{'do_resize': false}"));
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> LlavaImageProcessors
                .forModel(Tiny.json("{'image_processor_type': 'LlavaImageProcessor'}"), llava(Tiny.clipJson(2), "default")));
        assertTrue(type.getMessage().contains("LlavaImageProcessor"), type.getMessage());

        ImageProcessor noResize = LlavaImageProcessors.forModel(Tiny.json("{'do_resize': false, 'crop_size': 32}"),
                llava(Tiny.clipJson(2), "default"));
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> noResize.process(Tiny.image(random, 31, 64)));
        assertTrue(small.getMessage().contains("smaller than the center crop"), small.getMessage());
        ImageProcessor siglip = LlavaImageProcessors.forModel(Tiny.json("{'do_resize': false,"
                + " 'size': {'height': 32, 'width': 32}}"), llava(Tiny.siglipJson(2), "full"));
        assertThrows(IllegalArgumentException.class, () -> siglip.process(Tiny.image(random, 16, 16)));
        assertEquals(1, siglip.process(Tiny.image(random, 32, 32)).tiles());
        IllegalArgumentException thin = assertThrows(IllegalArgumentException.class,
                () -> ClipImageProcessor.shortestEdgeSize(1, 100_000_000, 336));
        assertTrue(thin.getMessage().contains("too thin"), thin.getMessage());
    }
}
