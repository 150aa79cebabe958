package org.vlmdistill.vision.idefics3;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.config.Idefics3Config;
import org.vlmdistill.core.image.ImageResize;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.vision.processor.ImageCrop;
import org.vlmdistill.vision.processor.Normalization;
import org.vlmdistill.vision.processor.PreprocessorFields;
import org.vlmdistill.vision.processor.Resample;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code Idefics3ImageProcessor}: resize so the longest edge is {@code size.longest_edge}
 * (the other edge even), then with {@code do_image_splitting} resize both edges up to whole tiles of
 * {@code max_image_size.longest_edge} and cut rows × cols tiles ({@code split_image}), followed by the
 * whole image squashed to one tile; without splitting only the squashed image. Every resize uses
 * {@code resample} (LANCZOS by default). Tiles are in HF order, row by row, the global image last.
 * Sizes come from {@link Idefics3ImageTokens}, so the tiling is the one the token layout counts.
 *
 * <p>Alpha: like HF, which converts to RGB only after splitting ({@code convert_to_rgb} composites each
 * tile onto white), an image with an alpha band is resized with it (premultiplied, as Pillow resizes
 * RGBA; see {@link ImageResize}) and each tile is composited onto white last ({@link RgbImage#overWhite}).
 */
public final class Idefics3ImageProcessor implements ImageProcessor {
    /** Idefics3ImageProcessor's defaults. */
    public static final int DEFAULT_RESAMPLE = 1;

    private final ImageResize.Filter resample;
    private final Normalization normalization;
    private final Idefics3ImageTokens layout;

    public Idefics3ImageProcessor(JsonNode preprocessor, Idefics3Config config) {
        PreprocessorFields p = new PreprocessorFields(preprocessor);
        if (!p.bool("do_resize", true)) {
            throw PreprocessorFields.bad("do_resize", "false is not supported: Idefics3's token layout counts "
                    + "the tiles of the resized image");
        }
        this.resample = Resample.filter(p.resample(DEFAULT_RESAMPLE));
        this.normalization = Normalization.read(p, Normalization.IMAGENET_STANDARD_MEAN,
                Normalization.IMAGENET_STANDARD_STD);
        this.layout = new Idefics3ImageTokens(config.imageSeqLength(),
                p.sizeEntry("size", "longest_edge", Idefics3ImageTokens.DEFAULT_LONGEST_EDGE),
                p.sizeEntry("max_image_size", "longest_edge", Idefics3ImageTokens.DEFAULT_TILE_SIZE),
                p.bool("do_image_splitting", Idefics3ImageTokens.DEFAULT_DO_IMAGE_SPLITTING));
    }

    @Override
    public Idefics3ImageTokens layout() {
        return layout;
    }

    /** The tile side, {@code max_image_size.longest_edge}. */
    public int tileSize() {
        return layout.tileSize();
    }

    /** The tiles of {@code image} as uint8 RGB (composited onto white), in HF order, and the grid (rows, cols; 0, 0 unsplit). */
    public record Tiles(List<RgbImage> tiles, int rows, int cols) {
        public Tiles {
            tiles = List.copyOf(tiles);
        }
    }

    public Tiles tiles(RgbImage image) {
        Tiles t = tilesWithAlpha(image);
        return new Tiles(t.tiles().stream().map(RgbImage::overWhite).toList(), t.rows(), t.cols());
    }

    /** HF's resizes and split, before {@code convert_to_rgb}: the tiles keep the image's alpha band. */
    private Tiles tilesWithAlpha(RgbImage image) {
        int max = layout.tileSize();
        int[] fit = Idefics3ImageTokens.resizeToLongestEdge(image.width(), image.height(), layout.longestEdge());
        RgbImage resized = ImageResize.resize(image, fit[0], fit[1], resample);
        if (!layout.doImageSplitting()) {
            return new Tiles(List.of(ImageResize.resize(resized, max, max, resample)), 0, 0);
        }
        int[] whole = Idefics3ImageTokens.resizeForVisionEncoder(resized.width(), resized.height(), max);
        RgbImage big = ImageResize.resize(resized, whole[0], whole[1], resample);
        int height = big.height();
        int width = big.width();
        if (height <= max && width <= max) {
            return new Tiles(List.of(big), 0, 0);
        }
        // split_image
        int rows = Math.ceilDiv(height, max);
        int cols = Math.ceilDiv(width, max);
        int optimalHeight = Math.ceilDiv(height, rows);
        int optimalWidth = Math.ceilDiv(width, cols);
        List<RgbImage> tiles = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int startX = c * optimalWidth;
                int startY = r * optimalHeight;
                tiles.add(ImageCrop.crop(big, startX, startY, Math.min(startX + optimalWidth, width),
                        Math.min(startY + optimalHeight, height)));
            }
        }
        tiles.add(ImageResize.resize(big, max, max, resample));
        return new Tiles(tiles, rows, cols);
    }

    @Override
    public PixelValues process(RgbImage image) {
        Tiles t = tiles(image);
        int max = layout.tileSize();
        int per = 3 * max * max;
        float[] values = new float[Math.multiplyExact(per, t.tiles().size())];
        for (int i = 0; i < t.tiles().size(); i++) {
            RgbImage tile = t.tiles().get(i);
            if (tile.width() != max || tile.height() != max) {
                // cannot happen: resize_for_vision_encoder makes both edges whole tiles
                throw new IllegalStateException("tile " + i + " is " + tile.width() + "x" + tile.height()
                        + ", not " + max + "x" + max);
            }
            normalization.write(tile, values, i * per);
        }
        return new PixelValues(values, t.tiles().size(), 3, max, max, t.rows(), t.cols());
    }
}
