package org.vlmdistill.vision.siglip;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.vision.processor.Normalization;
import org.vlmdistill.vision.processor.PreprocessorFields;
import org.vlmdistill.vision.processor.Resample;

import java.util.function.BiFunction;

/**
 * transformers' {@code SiglipImageProcessor}: resize to {@code size.height x size.width} (BICUBIC by
 * default, aspect not kept), rescale, normalize with mean and std 0.5. With {@code do_resize} false
 * the image must already have that size. First Pillow's {@code convert("RGB")}: the alpha band dropped,
 * the colour under transparent pixels kept ({@link RgbImage#withoutAlpha}; see docs/image-decoding.md for
 * checkpoints whose preprocessor_config.json leaves {@code do_convert_rgb} unset).
 */
public final class SiglipImageProcessor implements ImageProcessor {
    private final boolean doResize;
    private final int width;
    private final int height;
    private final ImageResize.Filter resample;
    private final Normalization normalization;
    private final ImageTokenLayout layout;

    public SiglipImageProcessor(JsonNode preprocessor, BiFunction<Integer, Integer, ImageTokenLayout> layout) {
        PreprocessorFields p = new PreprocessorFields(preprocessor);
        this.doResize = p.bool("do_resize", true);
        this.width = p.sizeEntry("size", "width", 224);
        this.height = p.sizeEntry("size", "height", 224);
        this.resample = Resample.filter(p.resample(3));
        this.normalization = Normalization.read(p, Normalization.IMAGENET_STANDARD_MEAN,
                Normalization.IMAGENET_STANDARD_STD);
        this.layout = layout.apply(width, height);
    }

    @Override
    public ImageTokenLayout layout() {
        return layout;
    }

    @Override
    public PixelValues process(RgbImage image) {
        RgbImage rgb = image.withoutAlpha();
        RgbImage tile;
        if (doResize) {
            tile = ImageResize.resize(rgb, width, height, resample);
        } else if (image.width() != width || image.height() != height) {
            throw new IllegalArgumentException("image " + image.width() + "x" + image.height() + " is not the "
                    + width + "x" + height + " this processor takes with do_resize false");
        } else {
            tile = rgb;
        }
        float[] values = new float[3 * width * height];
        normalization.write(tile, values, 0);
        return new PixelValues(values, 1, 3, height, width, 0, 0);
    }
}
