package org.vlmdistill.vision.processor;

import org.vlmdistill.core.image.ImageResize;

/**
 * Pillow's resample codes as preprocessor_config.json's {@code resample} holds them, mapped to the
 * Pillow-exact filters of {@link ImageResize}. NEAREST (0), BOX (4) and HAMMING (5) are not implemented.
 */
public final class Resample {
    private Resample() {
    }

    public static ImageResize.Filter filter(int code) {
        return switch (code) {
            case 1 -> ImageResize.Filter.LANCZOS;
            case 2 -> ImageResize.Filter.BILINEAR;
            case 3 -> ImageResize.Filter.BICUBIC;
            case 0 -> throw unsupported(code, "NEAREST");
            case 4 -> throw unsupported(code, "BOX");
            case 5 -> throw unsupported(code, "HAMMING");
            default -> throw new IllegalArgumentException("resample: " + code + " is not a Pillow resample code"
                    + " (0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING)");
        };
    }

    private static IllegalArgumentException unsupported(int code, String name) {
        return new IllegalArgumentException("resample: " + code + " (" + name
                + ") is not supported; supported: 1 LANCZOS, 2 BILINEAR, 3 BICUBIC");
    }
}
