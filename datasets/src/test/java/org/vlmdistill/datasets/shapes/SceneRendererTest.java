package org.vlmdistill.datasets.shapes;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.image.RgbImage;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SceneRendererTest {
    private static final List<ShapesSample> SAMPLES =
            new ShapesGenerator(ShapesConfig.defaults(), 11).samples(0, 1_000).toList();

    @Test
    void theCentreOfEveryShapeHasItsColour() {
        for (ShapesSample s : SAMPLES) {
            for (Shape shape : s.scene().shapes()) {
                int cx = shape.x() + shape.size() / 2;
                int cy = shape.y() + shape.size() / 2;
                for (int c = 0; c < 3; c++) {
                    assertEquals(shape.color().channel(c), s.image().at(cx, cy, c), s.id() + " " + shape.name());
                }
            }
        }
    }

    @Test
    void everyOtherPixelIsBackgroundAndEachShapeHasItsArea() {
        for (ShapesSample s : SAMPLES) {
            RgbImage image = s.image();
            boolean[] inBox = new boolean[image.width() * image.height()];
            for (Shape shape : s.scene().shapes()) {
                int painted = 0;
                for (int y = shape.y(); y < shape.y() + shape.size(); y++) {
                    for (int x = shape.x(); x < shape.x() + shape.size(); x++) {
                        inBox[y * image.width() + x] = true;
                        if (isColor(image, x, y, shape.color())) {
                            painted++;
                        } else {
                            assertTrue(isBackground(image, x, y, s.scene().background()), s.id() + " at " + x + "," + y);
                        }
                    }
                }
                // Exact areas: side^2, pi/4 side^2, side^2 / 2; the pixel grid costs a few percent on small sides.
                double area = switch (shape.kind()) {
                    case SQUARE -> 1.0;
                    case CIRCLE -> Math.PI / 4;
                    case TRIANGLE -> 0.5;
                };
                double expected = area * shape.size() * shape.size();
                assertEquals(expected, painted, 0.12 * expected, s.id() + " " + shape.name() + " side " + shape.size());
            }
            for (int y = 0; y < image.height(); y++) {
                for (int x = 0; x < image.width(); x++) {
                    if (!inBox[y * image.width() + x]) {
                        assertTrue(isBackground(image, x, y, s.scene().background()), s.id() + " at " + x + "," + y);
                    }
                }
            }
        }
    }

    /**
     * What the pixels show agrees with the cell relations: shapes in different columns have box
     * extents apart by a gap, in the column order; shapes in one column are centred on the same
     * pixel column (within the half pixel an odd cell width leaves). Likewise for rows.
     */
    @Test
    void relationsByCellMatchWhatThePixelsShow() {
        ShapesConfig config = ShapesConfig.defaults();
        for (ShapesSample s : SAMPLES) {
            for (Shape a : s.scene().shapes()) {
                // The box lies inside its cell with a margin of 2 pixels or more.
                assertTrue(a.x() >= config.cellStart(a.cell().col()) + 2
                        && a.x() + a.size() <= config.cellStart(a.cell().col() + 1) - 2, s.id() + " " + a);
                assertTrue(a.y() >= config.cellStart(a.cell().row()) + 2
                        && a.y() + a.size() <= config.cellStart(a.cell().row() + 1) - 2, s.id() + " " + a);
                for (Shape b : s.scene().shapes()) {
                    if (a.cell().col() < b.cell().col()) {
                        assertTrue(a.x() + a.size() + 4 <= b.x(), s.id() + " " + a + " " + b);
                    } else if (a.cell().col() == b.cell().col()) {
                        assertTrue(Math.abs((2 * a.x() + a.size()) - (2 * b.x() + b.size())) <= 1, s.id());
                    }
                    if (a.cell().row() < b.cell().row()) {
                        assertTrue(a.y() + a.size() + 4 <= b.y(), s.id() + " " + a + " " + b);
                    } else if (a.cell().row() == b.cell().row()) {
                        assertTrue(Math.abs((2 * a.y() + a.size()) - (2 * b.y() + b.size())) <= 1, s.id());
                    }
                }
            }
        }
    }

    @Test
    void bothBackgroundsAreUsed() {
        assertEquals(Background.values().length,
                SAMPLES.stream().map(s -> s.scene().background()).distinct().count());
    }

    private static boolean isColor(RgbImage image, int x, int y, ShapeColor color) {
        return image.at(x, y, 0) == color.channel(0) && image.at(x, y, 1) == color.channel(1)
                && image.at(x, y, 2) == color.channel(2);
    }

    private static boolean isBackground(RgbImage image, int x, int y, Background background) {
        int level = background.level();
        return image.at(x, y, 0) == level && image.at(x, y, 1) == level && image.at(x, y, 2) == level;
    }
}
