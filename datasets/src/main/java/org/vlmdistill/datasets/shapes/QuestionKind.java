package org.vlmdistill.datasets.shapes;

import java.util.Locale;

/**
 * The kinds of question, each with the label written to the {@code kind} / {@code category}
 * columns. The relation kinds are what keeps the set from being trivial: their answer depends on
 * two shapes and where they are.
 */
public enum QuestionKind {
    /** "What color is the circle?" about a kind the scene holds once: "red". */
    COLOR("color"),
    /** "How many squares are there?" or "How many red shapes are there?": "0" to "4". */
    COUNT("count"),
    /** "Is there a yellow triangle?": "yes" or "no", half each. */
    EXISTS("exists"),
    /** "Is the red circle left of the blue square?": "yes" or "no", half each. */
    RELATION_YES_NO("relation_yes_no"),
    /** "What is above the green triangle?": "the red circle", or "nothing" (half the time). */
    RELATION_WHAT("relation_what"),
    /** "Describe the image.": "a red circle and a blue square", in reading order. */
    DESCRIBE("describe");

    private final String label;

    QuestionKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The fewest shapes a scene needs for both halves of this kind's answers (yes and no, a shape and nothing). */
    int minShapes() {
        return this == RELATION_YES_NO || this == RELATION_WHAT ? 2 : 1;
    }

    /**
     * By label or constant name, any case.
     *
     * @throws IllegalArgumentException naming the value and the labels
     */
    public static QuestionKind parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (QuestionKind k : values()) {
            if (k.label.equals(n) || k.name().toLowerCase(Locale.ROOT).equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown question kind '" + name
                + "' (expected color, count, exists, relation_yes_no, relation_what or describe)");
    }
}
