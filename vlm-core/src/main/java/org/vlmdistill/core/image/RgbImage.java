package org.vlmdistill.core.image;

import java.util.Objects;

/**
 * A decoded image as models take it: 8-bit RGB, row-major, interleaved ({@code [height][width][3]}),
 * orientation already applied, and its alpha band where the file has one ({@code [height][width]},
 * 255 opaque), else null. The colour is straight, not premultiplied, and kept under transparent pixels:
 * each family's processor decides what alpha means (CLIP and SigLIP drop it, as Pillow's
 * {@code convert("RGB")} does; Idefics3 composites onto white after resizing; see docs/image-decoding.md).
 * The arrays are owned by the record: callers must not change them after construction (they are not
 * copied, images are large).
 *
 * @param alpha the alpha band, or null for an image without one (the usual case; such an image is opaque)
 */
public record RgbImage(int width, int height, byte[] rgb, byte[] alpha) {
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("rgb holds " + rgb.length + " bytes, not " + width + "*" + height + "*3");
        }
        if (alpha != null && alpha.length != (long) width * height) {
            throw new IllegalArgumentException("alpha holds " + alpha.length + " bytes, not " + width + "*" + height);
        }
    }

    /** An image without an alpha band. */
    public RgbImage(int width, int height, byte[] rgb) {
        this(width, height, rgb, null);
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel (x, y), 0..255. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    public boolean hasAlpha() {
        return alpha != null;
    }

    /** The alpha of pixel (x, y), 0..255; 255 for an image without an alpha band. */
    public int alphaAt(int x, int y) {
        return alpha == null ? 255 : alpha[y * width + x] & 0xFF;
    }

    /**
     * Pillow's {@code convert("RGB")}: the alpha band dropped, the colour kept, under transparent pixels
     * too. The same instance for an image without one.
     */
    public RgbImage withoutAlpha() {
        return alpha == null ? this : new RgbImage(width, height, rgb);
    }

    /**
     * Composited onto opaque white, as Pillow's {@code Image.alpha_composite(white, image)} then
     * {@code convert("RGB")} (Idefics3's {@code convert_to_rgb}): per channel
     * {@code round((c a + 255 (255 - a)) / 255)}, which equals Pillow's fixed-point result for every
     * (c, a). The same instance for an image without an alpha band.
     */
    public RgbImage overWhite() {
        if (alpha == null) {
            return this;
        }
        byte[] out = new byte[rgb.length];
        for (int i = 0, p = 0; i < alpha.length; i++, p += 3) {
            int a = alpha[i] & 0xFF;
            out[p] = (byte) overWhite(rgb[p] & 0xFF, a);
            out[p + 1] = (byte) overWhite(rgb[p + 1] & 0xFF, a);
            out[p + 2] = (byte) overWhite(rgb[p + 2] & 0xFF, a);
        }
        return new RgbImage(width, height, out);
    }

    /** {@code round((c a + 255 (255 - a)) / 255)}: channel value {@code c} at alpha {@code a} over white. */
    public static int overWhite(int c, int a) {
        return (c * a + 255 * (255 - a) + 127) / 255;
    }
}
