package org.vlmdistill.datasets.shapes;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * How Shapes scenes are drawn and which questions are asked.
 *
 * @param imageSize pixels per side; 64 by default, small enough for a tiny vision tower
 * @param gridSize  cells per side; 3 by default, so left/right/above/below are coarse and certain
 * @param minShapes fewest shapes in a scene (at least 1)
 * @param maxShapes most shapes in a scene: at most one per cell, and at most
 *                  {@code |colors| * |kinds|} = 12, as no two shapes are alike
 * @param mix       relative weight of each question kind (a kind left out is never asked)
 */
public record ShapesConfig(int imageSize, int gridSize, int minShapes, int maxShapes, Map<QuestionKind, Integer> mix) {
    /** Cells narrower than this leave no room for a triangle to read as one. */
    static final int MIN_CELL = 8;

    public ShapesConfig {
        Objects.requireNonNull(mix, "mix");
        if (gridSize < 2) {
            throw new IllegalArgumentException("gridSize must be at least 2 for relations to exist, got " + gridSize);
        }
        if (imageSize / gridSize < MIN_CELL) {
            throw new IllegalArgumentException("imageSize " + imageSize + " over gridSize " + gridSize
                    + " gives cells under " + MIN_CELL + " pixels");
        }
        int distinct = Math.min(gridSize * gridSize, ShapeColor.values().length * ShapeKind.values().length);
        if (minShapes < 1 || maxShapes < minShapes || maxShapes > distinct) {
            throw new IllegalArgumentException("shapes per scene must satisfy 1 <= minShapes <= maxShapes <= "
                    + distinct + ", got " + minShapes + ".." + maxShapes);
        }
        EnumMap<QuestionKind, Integer> copy = new EnumMap<>(QuestionKind.class);
        int total = 0;
        for (Map.Entry<QuestionKind, Integer> e : mix.entrySet()) {
            QuestionKind kind = Objects.requireNonNull(e.getKey(), "mix kind");
            int weight = Objects.requireNonNull(e.getValue(), "mix weight");
            if (weight < 0) {
                throw new IllegalArgumentException("weight of " + kind.label() + " is negative: " + weight);
            }
            if (weight > 0 && maxShapes < kind.minShapes()) {
                throw new IllegalArgumentException(kind.label() + " questions need scenes of " + kind.minShapes()
                        + " shapes, but maxShapes is " + maxShapes);
            }
            if (weight > 0) {
                copy.put(kind, weight);
                total += weight;
            }
        }
        if (total == 0) {
            throw new IllegalArgumentException("the mix asks no question: every weight is 0");
        }
        mix = Collections.unmodifiableMap(copy);
    }

    /** 64x64 pixels, a 3x3 grid, 1 to 4 shapes, every kind of question equally often. */
    public static ShapesConfig defaults() {
        EnumMap<QuestionKind, Integer> equal = new EnumMap<>(QuestionKind.class);
        for (QuestionKind k : QuestionKind.values()) {
            equal.put(k, 1);
        }
        return new ShapesConfig(64, 3, 1, 4, equal);
    }

    /** This config with another mix of question kinds. */
    public ShapesConfig withMix(Map<QuestionKind, Integer> otherMix) {
        return new ShapesConfig(imageSize, gridSize, minShapes, maxShapes, otherMix);
    }

    /**
     * Pixel where cell row or column {@code i} begins; cell {@code i} spans
     * {@code [cellStart(i), cellStart(i + 1))}. Cells differ by at most one pixel when the grid
     * does not divide the image (64 / 3: 21, 21, 22).
     */
    public int cellStart(int i) {
        return i * imageSize / gridSize;
    }

    /** Empty pixels, at least, between a shape's box and its cell's edge. */
    int margin() {
        return Math.max(1, imageSize / gridSize / 10);
    }

    /** Largest shape side: the narrowest cell less both margins. */
    int maxShapeSize() {
        return imageSize / gridSize - 2 * margin();
    }

    /** Smallest shape side: half the narrowest cell, so even the smallest triangle reads as one. */
    int minShapeSize() {
        return Math.min(maxShapeSize(), (imageSize / gridSize + 1) / 2);
    }
}
