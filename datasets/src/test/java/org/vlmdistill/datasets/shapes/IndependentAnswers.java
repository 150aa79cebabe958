package org.vlmdistill.datasets.shapes;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recomputes the answer to a Shapes question from its text and the scene's list of shapes alone,
 * with its own parsing and its own geometry (row and column comparisons), none of the generator's
 * helpers: a second implementation, so a bug in the generator cannot also be in the check.
 */
final class IndependentAnswers {
    private static final String SHAPE = "(red|green|blue|yellow) (circle|square|triangle)";
    private static final String RELATION = "(left of|right of|above|below)";
    private static final Pattern COLOR = Pattern.compile("What color is the (circle|square|triangle)\\?");
    private static final Pattern COUNT_KIND = Pattern.compile("How many (circles|squares|triangles) are there\\?");
    private static final Pattern COUNT_COLOR = Pattern.compile("How many (red|green|blue|yellow) shapes are there\\?");
    private static final Pattern EXISTS = Pattern.compile("Is there a " + SHAPE + "\\?");
    private static final Pattern RELATION_YES_NO =
            Pattern.compile("Is the " + SHAPE + " " + RELATION + " the " + SHAPE + "\\?");
    private static final Pattern RELATION_WHAT = Pattern.compile("What is " + RELATION + " the " + SHAPE + "\\?");

    private IndependentAnswers() {
    }

    /**
     * The one right answer.
     *
     * @throws AssertionError when the question names no shape or several, or has more than one answer
     */
    static String answer(Scene scene, String question) {
        List<Shape> shapes = scene.shapes();
        Matcher m;
        if ((m = COLOR.matcher(question)).matches()) {
            String kind = m.group(1);
            List<Shape> found = shapes.stream().filter(s -> word(s.kind()).equals(kind)).toList();
            require(found.size() == 1, question + " names " + found.size() + " shapes");
            return word(found.getFirst().color());
        }
        if ((m = COUNT_KIND.matcher(question)).matches()) {
            String kind = m.group(1).substring(0, m.group(1).length() - 1);
            return Long.toString(shapes.stream().filter(s -> word(s.kind()).equals(kind)).count());
        }
        if ((m = COUNT_COLOR.matcher(question)).matches()) {
            String color = m.group(1);
            return Long.toString(shapes.stream().filter(s -> word(s.color()).equals(color)).count());
        }
        if ((m = EXISTS.matcher(question)).matches()) {
            return find(shapes, m.group(1), m.group(2)).isEmpty() ? "no" : "yes";
        }
        if ((m = RELATION_YES_NO.matcher(question)).matches()) {
            List<Shape> a = find(shapes, m.group(1), m.group(2));
            List<Shape> b = find(shapes, m.group(4), m.group(5));
            require(a.size() == 1 && b.size() == 1 && a.getFirst() != b.getFirst(), question + " names missing shapes");
            return holds(m.group(3), a.getFirst(), b.getFirst()) ? "yes" : "no";
        }
        if ((m = RELATION_WHAT.matcher(question)).matches()) {
            List<Shape> ref = find(shapes, m.group(2), m.group(3));
            require(ref.size() == 1, question + " names a missing shape");
            String relation = m.group(1);
            List<Shape> found = shapes.stream().filter(s -> holds(relation, s, ref.getFirst())).toList();
            require(found.size() <= 1, question + " has " + found.size() + " answers");
            return found.isEmpty() ? "nothing"
                    : "the " + word(found.getFirst().color()) + " " + word(found.getFirst().kind());
        }
        if (question.equals("Describe the image.")) {
            List<Shape> ordered = shapes.stream()
                    .sorted((s, t) -> s.cell().row() != t.cell().row() ? s.cell().row() - t.cell().row()
                            : s.cell().col() - t.cell().col())
                    .toList();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < ordered.size(); i++) {
                if (i > 0) {
                    text.append(i == ordered.size() - 1 ? " and " : ", ");
                }
                text.append("a ").append(word(ordered.get(i).color())).append(' ').append(word(ordered.get(i).kind()));
            }
            return text.toString();
        }
        throw new AssertionError("no template matches: " + question);
    }

    /** "A is left of B": A's column is smaller; "A is above B": A's row is smaller. */
    static boolean holds(String relation, Shape a, Shape b) {
        return switch (relation) {
            case "left of" -> a.cell().col() < b.cell().col();
            case "right of" -> a.cell().col() > b.cell().col();
            case "above" -> a.cell().row() < b.cell().row();
            case "below" -> a.cell().row() > b.cell().row();
            default -> throw new AssertionError(relation);
        };
    }

    private static List<Shape> find(List<Shape> shapes, String color, String kind) {
        return shapes.stream().filter(s -> word(s.color()).equals(color) && word(s.kind()).equals(kind)).toList();
    }

    private static String word(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
