package org.vlmdistill.datasets.shapes;

/**
 * The four colours: saturated and far apart in RGB (and from both backgrounds), so a tiny vision
 * tower separates them from a single pixel; four keeps the answer vocabulary small.
 */
public enum ShapeColor {
    RED("red", 220, 30, 30),
    GREEN("green", 30, 160, 60),
    BLUE("blue", 40, 80, 220),
    YELLOW("yellow", 235, 200, 20);

    private final String word;
    private final int red;
    private final int green;
    private final int blue;

    ShapeColor(String word, int red, int green, int blue) {
        this.word = word;
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    public String word() {
        return word;
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue), 0..255, as {@link org.vlmdistill.core.image.RgbImage#at} numbers them. */
    public int channel(int c) {
        return switch (c) {
            case 0 -> red;
            case 1 -> green;
            case 2 -> blue;
            default -> throw new IllegalArgumentException("channel " + c + " (expected 0, 1 or 2)");
        };
    }
}
