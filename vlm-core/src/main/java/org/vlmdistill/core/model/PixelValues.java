package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Objects;

/**
 * One image as a model takes it: {@code tiles} normalized images {@code [tiles, channels, height, width]}
 * (a single tile unless the processor splits images, Idefics3's tiles then the global image last).
 *
 * @param rows tiles per column of the split image, 0 when not split
 * @param cols tiles per row of the split image, 0 when not split
 */
public record PixelValues(float[] values, int tiles, int channels, int height, int width, int rows, int cols) {
    public PixelValues {
        Objects.requireNonNull(values, "values");
        if (tiles <= 0 || channels <= 0 || height <= 0 || width <= 0 || rows < 0 || cols < 0) {
            throw new IllegalArgumentException("bad pixel-values shape: tiles " + tiles + ", channels " + channels
                    + ", " + height + "x" + width + ", grid " + rows + "x" + cols);
        }
        if (values.length != (long) tiles * channels * height * width) {
            throw new IllegalArgumentException(values.length + " values for " + tiles + "x" + channels + "x"
                    + height + "x" + width);
        }
    }

    /** {@code [tiles, channels, height, width]} fp32. */
    public NDArray toArray(NDManager manager) {
        return manager.create(values, new Shape(tiles, channels, height, width));
    }

    /**
     * The tiles of several images as one {@code [sum(tiles), C, H, W]} fp32 array, images in order: how a
     * batch's images enter {@link VisionLanguageModel#inputEmbeddings}. Null for no images.
     *
     * @throws IllegalArgumentException when the images' tiles differ in size
     */
    public static NDArray stack(java.util.List<PixelValues> images, NDManager manager) {
        if (images.isEmpty()) {
            return null;
        }
        PixelValues first = images.getFirst();
        long tiles = 0;
        for (PixelValues p : images) {
            if (p.channels() != first.channels() || p.height() != first.height() || p.width() != first.width()) {
                throw new IllegalArgumentException("tiles of " + p.channels() + "x" + p.height() + "x" + p.width()
                        + " and " + first.channels() + "x" + first.height() + "x" + first.width() + " in one batch");
            }
            tiles += p.tiles();
        }
        float[] values = new float[Math.toIntExact(tiles * first.channels() * first.height() * first.width())];
        int at = 0;
        for (PixelValues p : images) {
            System.arraycopy(p.values(), 0, values, at, p.values().length);
            at += p.values().length;
        }
        return manager.create(values, new Shape(tiles, first.channels(), first.height(), first.width()));
    }
}
