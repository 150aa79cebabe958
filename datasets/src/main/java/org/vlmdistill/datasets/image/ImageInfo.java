package org.vlmdistill.datasets.image;

import java.util.Objects;

/**
 * What a file's header says, read without decoding the pixels.
 *
 * @param width       stored width, before orientation
 * @param height      stored height, before orientation
 * @param orientation the EXIF / TIFF orientation the decoder applies
 */
public record ImageInfo(ImageFormat format, int width, int height, ExifOrientation orientation) {
    public ImageInfo {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(orientation, "orientation");
    }

    /** Width of the decoded (upright) image. */
    public int displayWidth() {
        return orientation.swapsAxes() ? height : width;
    }

    /** Height of the decoded (upright) image. */
    public int displayHeight() {
        return orientation.swapsAxes() ? width : height;
    }

    public long pixels() {
        return (long) width * height;
    }
}
