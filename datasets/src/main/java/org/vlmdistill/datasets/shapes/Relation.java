package org.vlmdistill.datasets.shapes;

/**
 * The four spatial relations, each a strict comparison of cell indices: "A is left of B" when A's
 * column is smaller, whatever the rows; shapes in one column are neither left nor right of each
 * other (their boxes are centred in the same pixel column).
 */
public enum Relation {
    LEFT_OF("left of"),
    RIGHT_OF("right of"),
    ABOVE("above"),
    BELOW("below");

    private final String words;

    Relation(String words) {
        this.words = words;
    }

    /** As the question says it: {@code "left of"}, {@code "above"}. */
    public String words() {
        return words;
    }

    /** Whether a shape in cell {@code a} stands in this relation to one in cell {@code b}. */
    public boolean holds(Cell a, Cell b) {
        return switch (this) {
            case LEFT_OF -> a.col() < b.col();
            case RIGHT_OF -> a.col() > b.col();
            case ABOVE -> a.row() < b.row();
            case BELOW -> a.row() > b.row();
        };
    }
}
