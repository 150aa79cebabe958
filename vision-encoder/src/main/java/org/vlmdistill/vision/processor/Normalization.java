package org.vlmdistill.vision.processor;

import org.vlmdistill.core.image.RgbImage;

/**
 * transformers' {@code rescale} then {@code normalize}: {@code x = float32(v * rescale_factor)} (the
 * product in float64, as numpy), then {@code (x - mean) / std} in float32; written channel-first.
 */
public record Normalization(boolean doRescale, double rescaleFactor, boolean doNormalize, double[] imageMean,
                            double[] imageStd) {
    public static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
    public static final double[] IMAGENET_STANDARD_MEAN = {0.5, 0.5, 0.5};
    public static final double[] IMAGENET_STANDARD_STD = {0.5, 0.5, 0.5};
    /** ImageNet's statistics (transformers' {@code IMAGENET_DEFAULT_*}, torchvision's and InternVL's). */
    public static final double[] IMAGENET_DEFAULT_MEAN = {0.485, 0.456, 0.406};
    public static final double[] IMAGENET_DEFAULT_STD = {0.229, 0.224, 0.225};

    public Normalization {
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
        for (double s : imageStd) {
            if (!(s != 0)) {
                throw new IllegalArgumentException("preprocessor_config.json: image_std must be non-zero, got " + s);
            }
        }
    }

    public static Normalization read(PreprocessorFields p, double[] mean, double[] std) {
        return new Normalization(p.bool("do_rescale", true), p.number("rescale_factor", 1.0 / 255),
                p.bool("do_normalize", true), p.perChannel("image_mean", mean), p.perChannel("image_std", std));
    }

    /**
     * Writes {@code image} as {@code [3, height, width]} at {@code out[offset..]}.
     *
     * @throws IllegalStateException for an image with an alpha band: its processor converts it to RGB first
     */
    public void write(RgbImage image, float[] out, int offset) {
        if (image.hasAlpha()) {
            throw new IllegalStateException("a " + image.width() + "x" + image.height() + " tile still has its "
                    + "alpha band: the processor must convert it to RGB before normalizing");
        }
        int plane = image.width() * image.height();
        byte[] rgb = image.rgb();
        for (int c = 0; c < 3; c++) {
            float mean = (float) imageMean[c];
            float std = (float) imageStd[c];
            int base = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                int v = rgb[i * 3 + c] & 0xFF;
                float x = doRescale ? (float) (v * rescaleFactor) : v;
                out[base + i] = doNormalize ? (x - mean) / std : x;
            }
        }
    }
}
