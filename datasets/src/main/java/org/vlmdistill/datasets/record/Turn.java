package org.vlmdistill.datasets.record;

import java.util.Objects;

/**
 * One turn of a conversation. Images are marked in {@code text} by {@link #IMAGE_PLACEHOLDER}
 * (LLaVA's convention); the k-th placeholder of a record is its k-th image.
 */
public record Turn(Role role, String text) {
    public static final String IMAGE_PLACEHOLDER = "<image>";

    public Turn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(text, "text");
    }

    /** How many images this turn shows. */
    public int imageCount() {
        int n = 0;
        for (int i = text.indexOf(IMAGE_PLACEHOLDER); i >= 0; i = text.indexOf(IMAGE_PLACEHOLDER, i + 1)) {
            n++;
        }
        return n;
    }
}
