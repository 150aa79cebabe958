package org.vlmdistill.datasets.image;

import org.vlmdistill.core.image.RgbImage;

/**
 * The EXIF / TIFF Orientation tag (0x0112): how the stored rows and columns map to the upright
 * picture. {@link #apply} does what Pillow's {@code ImageOps.exif_transpose} does (transformers'
 * {@code load_image} calls it): 2 flips left-right, 3 rotates 180°, 4 flips top-bottom, 5 transposes,
 * 6 rotates 90° clockwise ({@code ROTATE_270}), 7 transverses, 8 rotates 90° anticlockwise
 * ({@code ROTATE_90}).
 */
public enum ExifOrientation {
    TOP_LEFT, TOP_RIGHT, BOTTOM_RIGHT, BOTTOM_LEFT, LEFT_TOP, RIGHT_TOP, RIGHT_BOTTOM, LEFT_BOTTOM;

    /** The tag's value, 1..8. */
    public int tag() {
        return ordinal() + 1;
    }

    /** The orientation for a tag value; anything but 1..8 (absent, 0, 9, garbage) is upright, as in Pillow. */
    public static ExifOrientation of(int tag) {
        return tag >= 1 && tag <= 8 ? values()[tag - 1] : TOP_LEFT;
    }

    /** Whether the upright picture is the stored one with width and height exchanged (tags 5..8). */
    public boolean swapsAxes() {
        return ordinal() >= LEFT_TOP.ordinal();
    }

    /** The upright image from the stored one; the same instance for {@link #TOP_LEFT}. */
    public RgbImage apply(RgbImage stored) {
        if (this == TOP_LEFT) {
            return stored;
        }
        int w = stored.width();
        int h = stored.height();
        int outW = swapsAxes() ? h : w;
        int outH = swapsAxes() ? w : h;
        byte[] src = stored.rgb();
        byte[] out = new byte[src.length];
        byte[] srcAlpha = stored.alpha();
        byte[] outAlpha = srcAlpha == null ? null : new byte[srcAlpha.length];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            // output row y reads the stored pixels start, start + step, ... (pixel indices, row-major)
            int start;
            int step;
            switch (this) {
                case TOP_RIGHT -> { start = y * w + w - 1; step = -1; }          // (x, y) <- (w-1-x, y)
                case BOTTOM_RIGHT -> { start = (h - 1 - y) * w + w - 1; step = -1; } // <- (w-1-x, h-1-y)
                case BOTTOM_LEFT -> { start = (h - 1 - y) * w; step = 1; }        // <- (x, h-1-y)
                case LEFT_TOP -> { start = y; step = w; }                         // <- (y, x)
                case RIGHT_TOP -> { start = (h - 1) * w + y; step = -w; }         // <- (y, h-1-x)
                case RIGHT_BOTTOM -> { start = (h - 1) * w + w - 1 - y; step = -w; } // <- (w-1-y, h-1-x)
                case LEFT_BOTTOM -> { start = w - 1 - y; step = w; }              // <- (w-1-y, x)
                default -> throw new AssertionError(this);
            }
            if (outAlpha != null) {
                for (int x = 0, s = start, oa = o / 3; x < outW; x++, s += step, oa++) {
                    outAlpha[oa] = srcAlpha[s];
                }
            }
            for (int x = 0, s = start * 3; x < outW; x++, s += step * 3, o += 3) {
                out[o] = src[s];
                out[o + 1] = src[s + 1];
                out[o + 2] = src[s + 2];
            }
        }
        return new RgbImage(outW, outH, out, outAlpha);
    }
}
