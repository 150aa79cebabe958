package org.vlmdistill.datasets.shapes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What an image shows: an {@code imageSize}-pixel square split into a {@code gridSize} grid, a
 * background, and shapes in reading order (by cell), at most one per cell and no two of the same
 * colour and kind, so "the red circle" always names one shape.
 */
public record Scene(int imageSize, int gridSize, Background background, List<Shape> shapes) {
    public Scene {
        Objects.requireNonNull(background, "background");
        shapes = List.copyOf(shapes);
        Set<Cell> cells = new HashSet<>();
        Set<String> names = new HashSet<>();
        Cell previous = null;
        for (Shape s : shapes) {
            if (s.cell().row() >= gridSize || s.cell().col() >= gridSize) {
                throw new IllegalArgumentException(s.name() + " in " + s.cell() + " is outside a " + gridSize + " grid");
            }
            if (!cells.add(s.cell())) {
                throw new IllegalArgumentException("two shapes in " + s.cell());
            }
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two " + s.name() + "s");
            }
            if (previous != null && previous.compareTo(s.cell()) > 0) {
                throw new IllegalArgumentException("shapes are not in reading order at " + s.cell());
            }
            previous = s.cell();
        }
    }

    /** The shapes of one kind, in reading order. */
    public List<Shape> ofKind(ShapeKind kind) {
        return shapes.stream().filter(s -> s.kind() == kind).toList();
    }

    /** The shapes of one colour, in reading order. */
    public List<Shape> ofColor(ShapeColor color) {
        return shapes.stream().filter(s -> s.color() == color).toList();
    }

    public boolean contains(ShapeColor color, ShapeKind kind) {
        return shapes.stream().anyMatch(s -> s.color() == color && s.kind() == kind);
    }

    /** The shapes that stand in {@code relation} to {@code reference}, in reading order (never itself: relations are strict). */
    public List<Shape> related(Relation relation, Shape reference) {
        List<Shape> found = new ArrayList<>();
        for (Shape s : shapes) {
            if (s.is(relation, reference)) {
                found.add(s);
            }
        }
        return found;
    }
}
