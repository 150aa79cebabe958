package org.vlmdistill.datasets.shapes;

/** The two backgrounds; varying it keeps a model from reading "not white" as "shape". */
public enum Background {
    WHITE(255),
    LIGHT_GRAY(225);

    private final int level;

    Background(int level) {
        this.level = level;
    }

    /** The grey level of all three channels, 0..255. */
    public int level() {
        return level;
    }
}
