package org.vlmdistill.datasets.image;

import org.vlmdistill.core.image.RgbImage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The committed image fixtures (src/test/resources/images, see its README) and helpers for comparing pixels. */
final class Fixtures {
    private Fixtures() {}

    /** The 24x16 pattern's cells, row by row: red green blue / black grey white, 8x8 each. */
    static final int[][] PATTERN_CELLS = {
            {255, 0, 0}, {0, 255, 0}, {0, 0, 255},
            {0, 0, 0}, {128, 128, 128}, {255, 255, 255}};

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/images/" + name)) {
            return Objects.requireNonNull(in, "no fixture " + name).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line of expected/index.txt: a fixture, the size Pillow decoded it to, and whether it has an alpha band. */
    record Expected(String file, int width, int height, boolean alpha) {
        RgbImage pillow() {
            return new RgbImage(width, height, bytes("expected/" + file + ".rgb"),
                    alpha ? bytes("expected/" + file + ".alpha") : null);
        }
    }

    static List<Expected> expected() {
        List<Expected> list = new ArrayList<>();
        for (String line : new String(bytes("expected/index.txt"), java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
            if (!line.isBlank()) {
                String[] f = line.trim().split(" ");
                list.add(new Expected(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        f.length > 3 && f[3].equals("alpha")));
            }
        }
        return list;
    }

    /**
     * Largest absolute difference over all samples, alpha included; the images must have the same size
     * and both have an alpha band or neither.
     */
    static int maxDiff(RgbImage a, RgbImage b) {
        if (a.width() != b.width() || a.height() != b.height()) {
            throw new AssertionError("sizes differ: " + a.width() + "x" + a.height() + " vs " + b.width() + "x" + b.height());
        }
        if (a.hasAlpha() != b.hasAlpha()) {
            throw new AssertionError("one image has an alpha band, the other not: " + a.hasAlpha() + " vs " + b.hasAlpha());
        }
        int max = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            max = Math.max(max, Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF)));
        }
        for (int i = 0; a.hasAlpha() && i < a.alpha().length; i++) {
            max = Math.max(max, Math.abs((a.alpha()[i] & 0xFF) - (b.alpha()[i] & 0xFF)));
        }
        return max;
    }

    /** The colour at the centre of 8x8 cell (cx, cy). */
    static int[] cell(RgbImage img, int cx, int cy) {
        int x = cx * 8 + 4;
        int y = cy * 8 + 4;
        return new int[] {img.at(x, y, 0), img.at(x, y, 1), img.at(x, y, 2)};
    }

    static void assertColor(int[] expected, int[] actual, int tolerance, String what) {
        for (int c = 0; c < 3; c++) {
            if (Math.abs(expected[c] - actual[c]) > tolerance) {
                throw new AssertionError(what + ": expected " + java.util.Arrays.toString(expected) + " +-" + tolerance
                        + ", got " + java.util.Arrays.toString(actual));
            }
        }
    }
}
