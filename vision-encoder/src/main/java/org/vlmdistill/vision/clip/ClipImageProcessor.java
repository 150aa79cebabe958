package org.vlmdistill.vision.clip;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.vision.processor.ImageCrop;
import org.vlmdistill.vision.processor.Normalization;
import org.vlmdistill.vision.processor.PreprocessorFields;
import org.vlmdistill.vision.processor.Resample;

import java.util.function.BiFunction;

/**
 * transformers' {@code CLIPImageProcessor} (LLaVA-1.5): resize so the shortest edge is
 * {@code size.shortest_edge} (the other {@code int(short * long / short_in)}), BICUBIC by default,
 * center crop to {@code crop_size}, rescale, normalize with OpenAI CLIP's mean and std. One image, one tile.
 * First, as {@code do_convert_rgb}, Pillow's {@code convert("RGB")}: the alpha band dropped, the colour
 * under transparent pixels kept ({@link RgbImage#withoutAlpha}).
 */
public final class ClipImageProcessor implements ImageProcessor {
    private final boolean doResize;
    private final int shortestEdge;
    private final ImageResize.Filter resample;
    private final int cropWidth;
    private final int cropHeight;
    private final Normalization normalization;
    private final ImageTokenLayout layout;

    /**
     * @param layout the token layout for a {@link #outputWidth()} x {@link #outputHeight()} image, from the
     *               family (it knows the tower's patch size and feature selection)
     */
    public ClipImageProcessor(JsonNode preprocessor, BiFunction<Integer, Integer, ImageTokenLayout> layout) {
        PreprocessorFields p = new PreprocessorFields(preprocessor);
        this.doResize = p.bool("do_resize", true);
        JsonNode size = p.node("size");
        this.shortestEdge = size != null && size.isIntegralNumber()
                ? PreprocessorFields.positiveInt("size", size)
                : p.sizeEntry("size", "shortest_edge", 224);
        this.resample = Resample.filter(p.resample(3));
        if (!p.bool("do_center_crop", true)) {
            throw PreprocessorFields.bad("do_center_crop", "false gives each image its own size; a fixed "
                    + "LLaVA token layout needs the crop");
        }
        JsonNode crop = p.node("crop_size");
        if (crop != null && crop.isIntegralNumber()) {
            this.cropWidth = PreprocessorFields.positiveInt("crop_size", crop);
            this.cropHeight = cropWidth;
        } else {
            this.cropWidth = p.sizeEntry("crop_size", "width", 224);
            this.cropHeight = p.sizeEntry("crop_size", "height", 224);
        }
        this.normalization = Normalization.read(p, Normalization.OPENAI_CLIP_MEAN, Normalization.OPENAI_CLIP_STD);
        this.layout = layout.apply(cropWidth, cropHeight);
    }

    public int outputWidth() {
        return cropWidth;
    }

    public int outputHeight() {
        return cropHeight;
    }

    @Override
    public ImageTokenLayout layout() {
        return layout;
    }

    /** transformers' {@code get_resize_output_image_size(default_to_square=False)}: {width, height}. */
    public static int[] shortestEdgeSize(int width, int height, int shortest) {
        int shortIn = Math.min(width, height);
        int longIn = Math.max(width, height);
        long longOut = (long) shortest * longIn / shortIn;
        if (longOut > Integer.MAX_VALUE / 3 / shortest) {
            throw new IllegalArgumentException("image " + width + "x" + height + " is too thin: its shortest edge "
                    + "resized to " + shortest + " makes the other " + longOut + " pixels long");
        }
        return width <= height ? new int[] {shortest, (int) longOut} : new int[] {(int) longOut, shortest};
    }

    /** The image converted to RGB, resized and cropped, uint8 RGB. */
    public RgbImage crop(RgbImage image) {
        RgbImage resized = image.withoutAlpha();
        if (doResize) {
            int[] s = shortestEdgeSize(image.width(), image.height(), shortestEdge);
            resized = ImageResize.resize(resized, s[0], s[1], resample);
        }
        return ImageCrop.center(resized, cropWidth, cropHeight);
    }

    @Override
    public PixelValues process(RgbImage image) {
        RgbImage tile = crop(image);
        float[] values = new float[3 * cropWidth * cropHeight];
        normalization.write(tile, values, 0);
        return new PixelValues(values, 1, 3, cropHeight, cropWidth, 0, 0);
    }
}
