package org.vlmdistill.datasets.shapes;

import java.util.Objects;

/**
 * One shape of a scene: what it is, its cell, and the square box it is drawn in (top-left
 * {@code (x, y)}, side {@code size} pixels). The box lies inside the cell with a margin, so shapes
 * in different columns (rows) never share a pixel column (row).
 */
public record Shape(ShapeKind kind, ShapeColor color, Cell cell, int x, int y, int size) {
    public Shape {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(color, "color");
        Objects.requireNonNull(cell, "cell");
        if (x < 0 || y < 0 || size <= 0) {
            throw new IllegalArgumentException("box (" + x + ", " + y + ") side " + size);
        }
    }

    /** {@code "red circle"}: colour and kind name a shape, as no scene holds two alike. */
    public String name() {
        return color.word() + " " + kind.word();
    }

    /** Relative to another shape's cell. */
    public boolean is(Relation relation, Shape other) {
        return relation.holds(cell, other.cell);
    }
}
