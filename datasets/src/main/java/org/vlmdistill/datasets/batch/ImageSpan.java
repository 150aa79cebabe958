package org.vlmdistill.datasets.batch;

import java.util.Objects;

/**
 * Where one image's run of tokens lies in a token sequence: positions {@code [start, start + length)}.
 * The payload {@code I} is whatever the vision side needs later (decoded pixels, a tensor, an index
 * into an image store); batching moves it, never reads it.
 */
public record ImageSpan<I>(int start, int length, I image) {
    public ImageSpan {
        if (start < 0 || length < 1) {
            throw new IllegalArgumentException("image span [" + start + ", +" + length
                    + "): start must be >= 0 and length >= 1");
        }
        Objects.requireNonNull(image, "image");
    }

    /** One past the span's last token. */
    public int end() {
        return start + length;
    }

    /** The same image {@code by} positions later: where it lands after left padding. */
    ImageSpan<I> shifted(int by) {
        return by == 0 ? this : new ImageSpan<>(start + by, length, image);
    }
}
