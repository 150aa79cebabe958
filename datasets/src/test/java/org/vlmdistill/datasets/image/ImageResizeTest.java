package org.vlmdistill.datasets.image;

import org.vlmdistill.core.image.ImageResize;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.image.RgbImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Resampling is Pillow's, byte for byte (resize/*.rgb from pil_resize_reference.py, Pillow 9.4). */
class ImageResizeTest {

    /** The 29x19 test card of pil_resize_reference.py. */
    static RgbImage card() {
        int w = 29;
        int h = 19;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) ((37 * x + 91 * y + 53 * c + 11 * ((x * y * (c + 1)) % 23)) % 256);
                }
            }
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void matchesPillowExactly() {
        RgbImage card = card();
        int[][] sizes = {{13, 7}, {41, 31}, {35, 9}, {29, 5}, {8, 19}, {1, 1}};
        for (ImageResize.Filter filter : ImageResize.Filter.values()) {
            for (int[] size : sizes) {
                String name = "resize/" + filter + "-" + size[0] + "x" + size[1] + ".rgb";
                RgbImage ours = ImageResize.resize(card, size[0], size[1], filter);
                assertArrayEquals(Fixtures.bytes(name), ours.rgb(), name);
            }
        }
    }

    @Test
    void decodeThenResizeMatchesPillowOnAPhoto() {
        // the photo fixture through our decoder, then resized: Pillow's own pixels in, so Pillow's out
        RgbImage photo = new ImageDecoder().decode("photo.png", Fixtures.bytes("photo.png"));
        RgbImage down = ImageResize.resize(photo, 24, 24, ImageResize.Filter.BICUBIC);
        assertEquals(24, down.width());
        // a smooth image stays smooth: every output sample lies within the input's range
        int min = 255;
        int max = 0;
        for (byte b : photo.rgb()) {
            min = Math.min(min, b & 0xFF);
            max = Math.max(max, b & 0xFF);
        }
        for (byte b : down.rgb()) {
            int v = b & 0xFF;
            if (v < min - 1 || v > max + 1) {
                throw new AssertionError(v + " outside [" + min + ", " + max + "]");
            }
        }
    }

    @Test
    void constantImagesStayConstant() {
        for (int v : new int[] {0, 1, 127, 128, 254, 255}) {
            byte[] px = new byte[37 * 23 * 3];
            java.util.Arrays.fill(px, (byte) v);
            for (ImageResize.Filter f : ImageResize.Filter.values()) {
                for (byte b : ImageResize.resize(new RgbImage(37, 23, px), 11, 50, f).rgb()) {
                    assertEquals(v, b & 0xFF, f + " of constant " + v);
                }
            }
        }
    }

    @Test
    void sameSizeIsTheSameImageAndBadSizesAreRefused() {
        RgbImage card = card();
        assertSame(card, ImageResize.resize(card, 29, 19, ImageResize.Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> ImageResize.resize(card, 0, 5, ImageResize.Filter.BILINEAR));
    }

    @Test
    void kernels() {
        assertEquals(1.0, ImageResize.Filter.BICUBIC.weight(0), 0);
        assertEquals(0.0, ImageResize.Filter.BICUBIC.weight(1), 0);
        assertEquals(-0.0625, ImageResize.Filter.BICUBIC.weight(1.5), 1e-12); // a (x^3 - 5x^2 + 8x - 4), a = -0.5
        assertEquals(0.5, ImageResize.Filter.BILINEAR.weight(-0.5), 0);
        assertEquals(0.0, ImageResize.Filter.LANCZOS.weight(3.0), 0);
        assertEquals(1.0, ImageResize.Filter.LANCZOS.weight(0), 0);
    }
}
