package org.vlmdistill.vision;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.vision.clip.ClipImageProcessor;
import org.vlmdistill.vision.idefics3.Idefics3ImageProcessor;
import org.vlmdistill.vision.llava.LlavaImageProcessors;
import org.vlmdistill.vision.siglip.SiglipImageProcessor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each family converts an image with alpha to RGB as its Hugging Face processor (transformers v4.47.0)
 * does, against tiles Pillow made (resources/alpha/make_alpha_tiles.py): CLIP (LLaVA-1.5) and SigLIP drop
 * alpha and keep the colour under it ({@code convert("RGB")}), Idefics3 resizes with alpha and composites
 * each tile onto white. The inputs are the decoder's view of rgba.png (colour and alpha band) and of
 * palette.png (palette colour, no band). Each test prints the largest difference, in 8-bit steps, of the
 * tiles now and of the tiles the old decoder's input gave (alpha composited onto white at decode).
 */
class AlphaProcessorTest {
    private static final int TILE = 32;
    private static final int W = 97;
    private static final int H = 61;

    private static byte[] bytes(String name) {
        try (InputStream in = AlphaProcessorTest.class.getResourceAsStream("/alpha/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource alpha/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RgbImage rgba() {
        return new RgbImage(W, H, bytes("rgba.rgb"), bytes("rgba.alpha"));
    }

    private static RgbImage palette(String name, int side) {
        return new RgbImage(side == 0 ? W : side, side == 0 ? H : side, bytes(name + ".rgb"));
    }

    private static List<RgbImage> expected(String name) {
        byte[] all = bytes(name + ".rgb");
        int per = TILE * TILE * 3;
        List<RgbImage> tiles = new ArrayList<>();
        for (int at = 0; at < all.length; at += per) {
            tiles.add(new RgbImage(TILE, TILE, java.util.Arrays.copyOfRange(all, at, at + per)));
        }
        return tiles;
    }

    private static int maxDiff(List<RgbImage> want, List<RgbImage> got) {
        assertEquals(want.size(), got.size(), "tiles");
        int max = 0;
        for (int t = 0; t < want.size(); t++) {
            assertTrue(!got.get(t).hasAlpha(), "tile " + t + " still has alpha");
            for (int i = 0; i < want.get(t).rgb().length; i++) {
                max = Math.max(max, Math.abs((want.get(t).rgb()[i] & 0xFF) - (got.get(t).rgb()[i] & 0xFF)));
            }
        }
        return max;
    }

    /** Now exact; prints the old decoder's difference beside it. */
    private static void check(String family, String expected, Function<RgbImage, List<RgbImage>> tiles,
                              RgbImage input, RgbImage oldInput) {
        List<RgbImage> want = expected(expected);
        int now = maxDiff(want, tiles.apply(input));
        int before = maxDiff(want, tiles.apply(oldInput));
        System.out.printf("%s, %s: max |ours - HF| %d steps (alpha composited at decode, as before: %d)%n", family,
                expected, now, before);
        assertEquals(0, now, family + " " + expected);
    }

    private static ClipImageProcessor clip() {
        return (ClipImageProcessor) LlavaImageProcessors.forModel(Tiny.json("{'size': {'shortest_edge': 32},"
                + " 'crop_size': {'height': 32, 'width': 32}}"), ImageProcessorTest.llava(Tiny.clipJson(2), "default"));
    }

    /** SigLIP's uint8 tile: its normalized output mapped back through rescale and normalize (mean, std 0.5). */
    private static List<RgbImage> siglip(RgbImage image) {
        SiglipImageProcessor p = (SiglipImageProcessor) LlavaImageProcessors.forModel(Tiny.json(
                "{'image_processor_type': 'SiglipImageProcessor', 'size': {'height': 32, 'width': 32}}"),
                ImageProcessorTest.llava(Tiny.siglipJson(2), "full"));
        PixelValues px = p.process(image);
        byte[] rgb = new byte[TILE * TILE * 3];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < TILE * TILE; i++) {
                // (v / 255 - 0.5) / 0.5 in float32 is one-to-one on 0..255: rounding recovers v
                rgb[i * 3 + c] = (byte) Math.round((px.values()[c * TILE * TILE + i] * 0.5 + 0.5) * 255);
            }
        }
        return List.of(new RgbImage(TILE, TILE, rgb));
    }

    private static Idefics3ImageProcessor idefics3(int longestEdge) {
        return new Idefics3ImageProcessor(Tiny.json("{'size': {'longest_edge': " + longestEdge + "},"
                + " 'max_image_size': {'longest_edge': 32}, 'do_image_splitting': true}"), ImageProcessorTest.idefics3());
    }

    @Test
    void llavaClipDropsAlphaKeepingTheColourUnderIt() {
        check("llava (CLIP)", "clip-rgba", i -> List.of(clip().crop(i)), rgba(), rgba().overWhite());
        check("llava (CLIP)", "clip-palette", i -> List.of(clip().crop(i)), palette("palette", 0),
                palette("palette-composited", 0));
    }

    @Test
    void siglipDropsAlphaKeepingTheColourUnderIt() {
        check("SigLIP", "siglip-rgba", AlphaProcessorTest::siglip, rgba(), rgba().overWhite());
        check("SigLIP", "siglip-palette", AlphaProcessorTest::siglip, palette("palette", 0),
                palette("palette-composited", 0));
    }

    @Test
    void idefics3CompositesOntoWhiteAfterResizing() {
        check("Idefics3", "idefics3-rgba", i -> idefics3(64).tiles(i).tiles(), rgba(), rgba().overWhite());
        // HF's convert_to_rgb gets a palette image's RGB palette only: transparent entries show their colour
        check("Idefics3", "idefics3-palette32", i -> idefics3(32).tiles(i).tiles(), palette("palette32", 32),
                palette("palette32-composited", 32));
    }

    /**
     * A known difference (docs/image-decoding.md): HF's Idefics3 resizes a palette image's indices, so
     * Pillow takes NEAREST, where we resample the palette colours with LANCZOS. Equal in flat regions,
     * apart at edges; the bound is what this image measures.
     */
    @Test
    void idefics3ResizesPaletteColoursWhereHfResizesIndices() {
        List<RgbImage> want = expected("idefics3-palette");
        int now = maxDiff(want, idefics3(64).tiles(palette("palette", 0)).tiles());
        System.out.printf("Idefics3, idefics3-palette (resized): max |ours - HF| %d steps%n", now);
        assertTrue(now > 0 && now <= 229, "differs by " + now + "; 229 measured");
    }
}
