package org.vlmdistill.vision.internvl;

import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.multimodal.ImageTokenLayout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * InternVL's layout and tiling, as the reference ({@code internvl/train/dataset.py}, {@code dynamic_preprocess}
 * and {@code find_closest_aspect_ratio}; {@code modeling_internvl_chat.py}, {@code chat}) builds them: the
 * {@code <image>} placeholder becomes {@code <img>} + {@code <IMG_CONTEXT>} × (numImageToken × tiles) +
 * {@code </img>}, where tiles is the grid's cols × rows, plus one thumbnail when the grid has more than one
 * block and {@code useThumbnail}; a single tile when {@code dynamicImageSize} is off. The grid choice lives
 * here only; {@link InternVLImageProcessor} cuts the tiles this layout counts.
 *
 * <p>Grid choice: the candidates are every (cols, rows) with {@code minDynamicPatch <= cols*rows <=
 * maxDynamicPatch}, taken in order of area; the one whose {@code cols/rows} is closest to the image's
 * {@code width/height} wins (both ratios as float64 divisions, distance {@code |a - r|} compared exactly, so
 * where the exact distances are equal float64 rounding decides: 21x36 is 1/12 from both 1/2 and 2/3, and 2x3
 * wins as in the reference). On
 * an equal distance a later (larger) candidate replaces the best only if the image's area
 * {@code width*height > 0.5 * imageSize^2 * cols * rows}: it must cover more than half of that grid at the
 * tile size, so the tie-break depends on the tile size (449x449 is one tile at 448 but a 2x2 grid at 28).
 * Equal ratios (1x1, 2x2, 3x3) are ordered by area, so the rule is well defined for them. Two different
 * ratios of the same area at the same float64 distance are ordered by the reference through a Python set's
 * iteration order; here by cols. With {@code minDynamicPatch} 1 (every published InternVL config) that case
 * does not arise (checked for every size up to 1200x1200 and maxDynamicPatch up to 40); with a larger
 * minimum it can (5x2 with exactly 4 blocks: 2x2 and 4x1 are both 1.5 away).
 *
 * @param imageSize       tile side: {@code force_image_size}, else {@code vision_config.image_size} (448)
 * @param minDynamicPatch {@code min_dynamic_patch}, fewest grid blocks (1)
 * @param maxDynamicPatch {@code max_dynamic_patch}, most grid blocks, thumbnail not counted (6 or 12)
 * @param useThumbnail    {@code use_thumbnail}: the whole image as one more tile after a grid of several blocks
 * @param dynamicImageSize {@code dynamic_image_size}: false makes every image one tile of imageSize²
 * @param numImageToken   image tokens per tile: {@code (image_size / patch_size)^2 * downsample_ratio^2}
 *                        (256 for 448 / 14 at 0.5)
 */
public record InternVLImageTokens(int imageSize, int minDynamicPatch, int maxDynamicPatch, boolean useThumbnail,
                                  boolean dynamicImageSize, int numImageToken) implements ImageTokenLayout {
    /** The placeholder chat templates and records hold. */
    public static final String IMAGE_PLACEHOLDER = "<image>";
    public static final String IMG_START_TOKEN = "<img>";
    public static final String IMG_END_TOKEN = "</img>";
    /** The token whose embeddings the vision features replace. */
    public static final String IMG_CONTEXT_TOKEN = InternVLChatConfig.IMG_CONTEXT_TOKEN;

    public InternVLImageTokens {
        if (imageSize <= 0 || numImageToken <= 0) {
            throw new IllegalArgumentException("InternVL image size and tokens per tile must be positive, got "
                    + "image size " + imageSize + ", num_image_token " + numImageToken);
        }
        if (minDynamicPatch < 1 || maxDynamicPatch < minDynamicPatch) {
            throw new IllegalArgumentException("InternVL needs 1 <= min_dynamic_patch <= max_dynamic_patch, got "
                    + "min_dynamic_patch " + minDynamicPatch + ", max_dynamic_patch " + maxDynamicPatch);
        }
    }

    /**
     * A grid of {@code cols × rows} blocks of {@code imageSize²} ({@code find_closest_aspect_ratio}'s
     * {@code (ratio[0], ratio[1])}: width first).
     */
    public record Grid(int cols, int rows) {
        public Grid {
            if (cols < 1 || rows < 1) {
                throw new IllegalArgumentException("a grid needs at least one block each way, got " + cols + "x" + rows);
            }
        }

        public int blocks() {
            return cols * rows;
        }
    }

    /**
     * {@code dynamic_preprocess}'s candidate grids: every (cols, rows) with {@code min <= cols*rows <= max},
     * by area, then by cols (see the class comment for why the order within an area does not matter at min 1).
     */
    public static List<Grid> candidateGrids(int minNum, int maxNum) {
        List<Grid> grids = new ArrayList<>();
        for (int cols = 1; cols <= maxNum; cols++) {
            for (int rows = 1; cols * rows <= maxNum; rows++) {
                if (cols * rows >= minNum) {
                    grids.add(new Grid(cols, rows));
                }
            }
        }
        grids.sort(Comparator.comparingInt(Grid::blocks).thenComparingInt(Grid::cols));
        return grids;
    }

    /** {@code find_closest_aspect_ratio}: the candidate nearest {@code width/height}, with the tile-size tie-break. */
    public static Grid closestGrid(List<Grid> candidates, int width, int height, int imageSize) {
        double aspectRatio = (double) width / height;
        double area = (double) width * height;
        double bestDiff = Double.POSITIVE_INFINITY;
        Grid best = new Grid(1, 1);
        for (Grid g : candidates) {
            double diff = Math.abs(aspectRatio - (double) g.cols() / g.rows());
            if (diff < bestDiff) {
                bestDiff = diff;
                best = g;
            } else if (diff == bestDiff && area > 0.5 * imageSize * imageSize * g.cols() * g.rows()) {
                best = g;
            }
        }
        return best;
    }

    /** The grid the image is resized to and cut into; 1x1 when {@code dynamicImageSize} is off. */
    public Grid grid(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (!dynamicImageSize) {
            return new Grid(1, 1);
        }
        return closestGrid(candidateGrids(minDynamicPatch, maxDynamicPatch), width, height, imageSize);
    }

    /** Whether a thumbnail follows the blocks of {@code grid}. */
    public boolean thumbnail(Grid grid) {
        return dynamicImageSize && useThumbnail && grid.blocks() != 1;
    }

    /** Tiles the vision tower sees for the image: the grid's blocks, plus the thumbnail. */
    public int tiles(int width, int height) {
        Grid g = grid(width, height);
        return g.blocks() + (thumbnail(g) ? 1 : 0);
    }

    @Override
    public String placeholder() {
        return IMAGE_PLACEHOLDER;
    }

    @Override
    public String imageToken() {
        return IMG_CONTEXT_TOKEN;
    }

    @Override
    public String expand(int width, int height) {
        return IMG_START_TOKEN + IMG_CONTEXT_TOKEN.repeat(imageTokenCount(width, height)) + IMG_END_TOKEN;
    }

    @Override
    public int imageTokenCount(int width, int height) {
        return Math.multiplyExact(numImageToken, tiles(width, height));
    }
}
