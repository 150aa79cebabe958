package org.vlmdistill.eval.bench;

import java.util.Objects;

/** One option of a multiple-choice item: its letter ({@code "A"}) and its text. */
public record Choice(String letter, String text) {
    public Choice {
        Objects.requireNonNull(letter, "letter");
        Objects.requireNonNull(text, "text");
    }
}
