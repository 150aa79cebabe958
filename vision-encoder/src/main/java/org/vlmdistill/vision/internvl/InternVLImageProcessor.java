package org.vlmdistill.vision.internvl;

import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.vision.processor.ImageCrop;
import org.vlmdistill.vision.processor.Normalization;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * InternVL's preprocessing, as the reference runs it ({@code internvl/train/dataset.py}:
 * {@code load_image}'s {@code convert('RGB')}, {@code dynamic_preprocess}, {@code build_transform(False, s)}):
 * the image is resized to {@code (s*cols) x (s*rows)} for the grid {@link InternVLImageTokens#grid} picks,
 * cut into {@code s x s} blocks row by row, followed by the whole image resized to {@code s x s} when
 * {@link InternVLImageTokens#thumbnail} says so; with {@code dynamic_image_size} off the image is one tile
 * resized to {@code s x s}. Every resize is Pillow's BICUBIC ({@code Image.resize}'s default in Pillow 9.4,
 * and torchvision's {@code T.Resize((s, s), BICUBIC)}, a copy on tiles already {@code s x s}). Then
 * {@code ToTensor} ({@code v / 255} in float32) and {@code Normalize} with ImageNet's mean and std:
 * {@code (v/255 - mean) / std} in float32, channel-first, which is {@link Normalization}'s arithmetic (its
 * {@code float(v * (1/255))} equals float32 {@code v / 255} for every byte).
 *
 * <p>Alpha: the reference opens every image with {@code convert('RGB')}, which drops the alpha band and
 * keeps the colour under it ({@link RgbImage#withoutAlpha}), before any resize.
 */
public final class InternVLImageProcessor implements ImageProcessor {
    private final InternVLImageTokens layout;
    private final Normalization normalization;

    /** With {@code build_transform}'s default {@code normalize_type='imagenet'}. */
    public InternVLImageProcessor(InternVLImageTokens layout) {
        this(layout, new Normalization(true, 1.0 / 255, true, Normalization.IMAGENET_DEFAULT_MEAN,
                Normalization.IMAGENET_DEFAULT_STD));
    }

    public InternVLImageProcessor(InternVLImageTokens layout, Normalization normalization) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.normalization = Objects.requireNonNull(normalization, "normalization");
    }

    /**
     * The processor an {@code internvl_chat} config describes: tiles of {@code force_image_size or
     * vision_config.image_size}, its dynamic-patch fields, {@code num_image_token} tokens per tile.
     */
    public static InternVLImageProcessor forConfig(InternVLChatConfig config) {
        return of(config.imageSize(), config.minDynamicPatch(), config.maxDynamicPatch(), config.useThumbnail(),
                config.dynamicImageSize(), config.numImageToken());
    }

    /** The processor of those fields given one by one (see {@link InternVLImageTokens} for each). */
    public static InternVLImageProcessor of(int imageSize, int minDynamicPatch, int maxDynamicPatch,
                                            boolean useThumbnail, boolean dynamicImageSize, int numImageToken) {
        return new InternVLImageProcessor(new InternVLImageTokens(imageSize, minDynamicPatch, maxDynamicPatch,
                useThumbnail, dynamicImageSize, numImageToken));
    }

    @Override
    public InternVLImageTokens layout() {
        return layout;
    }

    /** The tiles of an image, uint8 RGB, in the reference's order (blocks row by row, then the thumbnail), and the grid. */
    public record Tiles(List<RgbImage> tiles, InternVLImageTokens.Grid grid) {
        public Tiles {
            tiles = List.copyOf(tiles);
            Objects.requireNonNull(grid, "grid");
        }
    }

    public Tiles tiles(RgbImage image) {
        RgbImage rgb = image.withoutAlpha();
        int s = layout.imageSize();
        InternVLImageTokens.Grid grid = layout.grid(rgb.width(), rgb.height());
        if (!layout.dynamicImageSize()) {
            return new Tiles(List.of(resize(rgb, s, s)), grid);
        }
        RgbImage resized = resize(rgb, Math.multiplyExact(s, grid.cols()), Math.multiplyExact(s, grid.rows()));
        List<RgbImage> tiles = new ArrayList<>(grid.blocks() + 1);
        for (int r = 0; r < grid.rows(); r++) {
            for (int c = 0; c < grid.cols(); c++) {
                tiles.add(ImageCrop.crop(resized, c * s, r * s, (c + 1) * s, (r + 1) * s));
            }
        }
        if (layout.thumbnail(grid)) {
            tiles.add(resize(rgb, s, s));
        }
        return new Tiles(tiles, grid);
    }

    private static RgbImage resize(RgbImage image, int width, int height) {
        return ImageResize.resize(image, width, height, ImageResize.Filter.BICUBIC);
    }

    /**
     * {@code [tiles, 3, s, s]}; rows and cols are the grid's when it has more than one block, else 0 (one
     * tile, not split).
     */
    @Override
    public PixelValues process(RgbImage image) {
        Tiles t = tiles(image);
        int s = layout.imageSize();
        int per = 3 * s * s;
        float[] values = new float[Math.multiplyExact(per, t.tiles().size())];
        for (int i = 0; i < t.tiles().size(); i++) {
            normalization.write(t.tiles().get(i), values, i * per);
        }
        boolean split = t.grid().blocks() > 1;
        return new PixelValues(values, t.tiles().size(), 3, s, s, split ? t.grid().rows() : 0,
                split ? t.grid().cols() : 0);
    }
}
