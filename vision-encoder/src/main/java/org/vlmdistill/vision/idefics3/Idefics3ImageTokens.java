package org.vlmdistill.vision.idefics3;

import org.vlmdistill.core.multimodal.ImageTokenLayout;

/**
 * Idefics3's (SmolVLM's) layout, as {@code Idefics3ImageProcessor} and {@code Idefics3Processor}
 * build it: the image is resized so its longest edge is {@code longestEdge} (aspect kept, the other
 * edge rounded up to even), then up to whole tiles of {@code tileSize}; if it is larger than one
 * tile it is cut into rows × cols tiles, each spelled
 * {@code <fake_token_around_image><row_r_col_c>} + {@code <image>} × imageSeqLen, rows ended by
 * "\n", followed by "\n" and the global image
 * {@code <fake_token_around_image><global-img>} + {@code <image>} × imageSeqLen +
 * {@code <fake_token_around_image>}. An image of one tile (or splitting off) is the global part alone.
 *
 * @param imageSeqLen features per tile: (image_size / patch_size)^2 / scale_factor^2 (64 for SmolVLM-256M)
 * @param longestEdge preprocessor {@code size.longest_edge}
 * @param tileSize    preprocessor {@code max_image_size.longest_edge}
 */
public record Idefics3ImageTokens(int imageSeqLen, int longestEdge, int tileSize, boolean doImageSplitting)
        implements ImageTokenLayout {
    public static final String IMAGE_TOKEN = "<image>";
    public static final String FAKE_TOKEN_AROUND_IMAGE = "<fake_token_around_image>";
    public static final String GLOBAL_IMAGE_TOKEN = "<global-img>";
    /** Idefics3ImageProcessor's defaults where preprocessor_config.json is silent. */
    public static final int DEFAULT_LONGEST_EDGE = 4 * 364;
    public static final int DEFAULT_TILE_SIZE = 364;
    public static final boolean DEFAULT_DO_IMAGE_SPLITTING = true;

    public Idefics3ImageTokens {
        if (imageSeqLen <= 0 || longestEdge <= 0 || tileSize <= 0) {
            throw new IllegalArgumentException("Idefics3 layout sizes must be positive: imageSeqLen " + imageSeqLen
                    + ", longestEdge " + longestEdge + ", tileSize " + tileSize);
        }
    }

    /** Tiles per column and per row of the split image; {0, 0} when it is not split. */
    public int[] grid(int width, int height) {
        if (!doImageSplitting) {
            return new int[] {0, 0};
        }
        int[] resized = resizeToLongestEdge(width, height, longestEdge);
        int[] tiled = resizeForVisionEncoder(resized[0], resized[1], tileSize);
        int w = tiled[0];
        int h = tiled[1];
        if (w <= tileSize && h <= tileSize) {
            return new int[] {0, 0};
        }
        return new int[] {ceilDiv(h, tileSize), ceilDiv(w, tileSize)};
    }

    /**
     * transformers' {@code _resize_output_size_rescale_to_max_len}: longest edge to maxLen, other even.
     * Public so that the image processor resizes with the same numbers this layout counts.
     *
     * @return {width, height}
     */
    public static int[] resizeToLongestEdge(int width, int height, int maxLen) {
        double aspect = (double) width / height;
        int w;
        int h;
        if (width >= height) {
            w = maxLen;
            h = (int) (w / aspect);
            h += h % 2;
        } else {
            h = maxLen;
            w = (int) (h * aspect);
            w += w % 2;
        }
        return new int[] {Math.max(w, 1), Math.max(h, 1)};
    }

    /** transformers' {@code resize_for_vision_encoder}: both edges up to whole tiles; {width, height}. */
    public static int[] resizeForVisionEncoder(int width, int height, int tile) {
        double aspect = (double) width / height;
        int w;
        int h;
        if (width >= height) {
            w = ceilDiv(width, tile) * tile;
            h = ceilDiv((int) (w / aspect), tile) * tile;
        } else {
            h = ceilDiv(height, tile) * tile;
            w = ceilDiv((int) (h * aspect), tile) * tile;
        }
        return new int[] {w, h};
    }

    private static int ceilDiv(int a, int b) {
        return Math.max(1, Math.ceilDiv(a, b));
    }

    @Override
    public String placeholder() {
        return IMAGE_TOKEN;
    }

    @Override
    public String imageToken() {
        return IMAGE_TOKEN;
    }

    @Override
    public String expand(int width, int height) {
        int[] g = grid(width, height);
        String run = IMAGE_TOKEN.repeat(imageSeqLen);
        String global = FAKE_TOKEN_AROUND_IMAGE + GLOBAL_IMAGE_TOKEN + run + FAKE_TOKEN_AROUND_IMAGE;
        if (g[0] == 0 && g[1] == 0) {
            return global;
        }
        StringBuilder s = new StringBuilder();
        for (int r = 1; r <= g[0]; r++) {
            for (int c = 1; c <= g[1]; c++) {
                s.append(FAKE_TOKEN_AROUND_IMAGE).append("<row_").append(r).append("_col_").append(c).append('>').append(run);
            }
            s.append('\n');
        }
        return s.append('\n').append(global).toString();
    }

    @Override
    public int imageTokenCount(int width, int height) {
        int[] g = grid(width, height);
        return imageSeqLen * (g[0] * g[1] + 1);
    }
}
