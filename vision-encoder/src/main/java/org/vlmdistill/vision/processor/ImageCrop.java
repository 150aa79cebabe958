package org.vlmdistill.vision.processor;

import org.vlmdistill.core.image.RgbImage;

/** Pixel crops, as numpy slicing {@code image[top:bottom, left:right]}; the alpha band, if any, goes along. */
public final class ImageCrop {
    private ImageCrop() {
    }

    /** Columns {@code [left, right)}, rows {@code [top, bottom)}, inside the image. */
    public static RgbImage crop(RgbImage image, int left, int top, int right, int bottom) {
        if (left < 0 || top < 0 || right > image.width() || bottom > image.height() || left >= right || top >= bottom) {
            throw new IllegalArgumentException("crop [" + left + ", " + right + ") x [" + top + ", " + bottom
                    + ") is not inside the " + image.width() + "x" + image.height() + " image");
        }
        if (left == 0 && top == 0 && right == image.width() && bottom == image.height()) {
            return image;
        }
        int w = right - left;
        int h = bottom - top;
        byte[] out = new byte[w * h * 3];
        byte[] alpha = image.hasAlpha() ? new byte[w * h] : null;
        for (int y = 0; y < h; y++) {
            System.arraycopy(image.rgb(), ((top + y) * image.width() + left) * 3, out, y * w * 3, w * 3);
            if (alpha != null) {
                System.arraycopy(image.alpha(), (top + y) * image.width() + left, alpha, y * w, w);
            }
        }
        return new RgbImage(w, h, out, alpha);
    }

    /** transformers' {@code center_crop} of an image at least as large as the crop. */
    public static RgbImage center(RgbImage image, int width, int height) {
        if (image.width() < width || image.height() < height) {
            throw new IllegalArgumentException("image " + image.width() + "x" + image.height()
                    + " is smaller than the center crop " + width + "x" + height
                    + " (transformers would pad it with zeros; not supported)");
        }
        int top = (image.height() - height) / 2;
        int left = (image.width() - width) / 2;
        return crop(image, left, top, left + width, top + height);
    }
}
