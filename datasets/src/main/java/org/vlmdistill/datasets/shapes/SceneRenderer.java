package org.vlmdistill.datasets.shapes;

import org.vlmdistill.core.image.RgbImage;

import java.util.Arrays;

/**
 * Draws a scene into RGB bytes with integer arithmetic only, no anti-aliasing: a pixel takes a
 * shape's colour when its centre lies inside the shape, so the same scene gives the same bytes on
 * every JVM and platform (Java2D's rasterisers may differ between them).
 *
 * <p>Coordinates are doubled so that pixel centres ({@code x + 1/2}) and box centres
 * ({@code x0 + size/2}) are integers: pixel centre {@code 2x + 1}, box centre {@code 2 x0 + size}.
 */
public final class SceneRenderer {
    private SceneRenderer() {
    }

    public static RgbImage render(Scene scene) {
        int n = scene.imageSize();
        byte[] rgb = new byte[n * n * 3];
        Arrays.fill(rgb, (byte) scene.background().level());
        for (Shape s : scene.shapes()) {
            for (int y = s.y(); y < s.y() + s.size(); y++) {
                for (int x = s.x(); x < s.x() + s.size(); x++) {
                    if (covers(s, x, y)) {
                        int at = (y * n + x) * 3;
                        rgb[at] = (byte) s.color().channel(0);
                        rgb[at + 1] = (byte) s.color().channel(1);
                        rgb[at + 2] = (byte) s.color().channel(2);
                    }
                }
            }
        }
        return new RgbImage(n, n, rgb);
    }

    /** Whether the centre of pixel (x, y) lies inside the shape (on its edge counts as inside). */
    static boolean covers(Shape s, int x, int y) {
        if (x < s.x() || y < s.y() || x >= s.x() + s.size() || y >= s.y() + s.size()) {
            return false;
        }
        long dx = 2L * x + 1 - (2L * s.x() + s.size()); // doubled offset from the box centre
        long dy = 2L * y + 1 - (2L * s.y() + s.size());
        long depth = 2L * y + 1 - 2L * s.y(); // doubled distance below the box top
        return switch (s.kind()) {
            case SQUARE -> true;
            // radius size/2, doubled: size
            case CIRCLE -> dx * dx + dy * dy <= (long) s.size() * s.size();
            // apex at the top middle, base along the bottom: half-width grows as depth / 2
            case TRIANGLE -> 2 * Math.abs(dx) <= depth;
        };
    }
}
