package org.vlmdistill.datasets.shapes;

/**
 * A cell of the scene's grid, row 0 at the top and column 0 at the left. Spatial relations are
 * defined on cells alone (left of = smaller column, above = smaller row), never on pixels, so
 * every relation question has exactly one right answer.
 */
public record Cell(int row, int col) implements Comparable<Cell> {
    public Cell {
        if (row < 0 || col < 0) {
            throw new IllegalArgumentException("cell (" + row + ", " + col + ") has a negative index");
        }
    }

    /** Reading order: by row, then by column. */
    @Override
    public int compareTo(Cell other) {
        return row != other.row ? Integer.compare(row, other.row) : Integer.compare(col, other.col);
    }
}
