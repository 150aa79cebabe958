package org.vlmdistill.core.image;

import java.util.Objects;

/**
 * A decoded image as models take it: 8-bit RGB, row-major, interleaved ({@code [height][width][3]}),
 * orientation already applied and alpha already composited. The array is owned by the record:
 * callers must not change it after construction (it is not copied, images are large).
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("rgb holds " + rgb.length + " bytes, not " + width + "*" + height + "*3");
        }
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel (x, y), 0..255. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
