package org.vlmdistill.datasets.shapes;

import org.vlmdistill.core.image.RgbImage;

import java.util.List;
import java.util.Objects;

/**
 * One Shapes example: an image, one question about it and its exact answer.
 *
 * @param index     the sample's index for its seed; it alone determines everything else
 * @param referents the scene's shapes the question names ("the circle", "the red circle", ...),
 *                  in the order it names them; empty for counts, absent shapes and descriptions
 */
public record ShapesSample(long index, Scene scene, QuestionKind kind, String question, String answer,
                           List<Shape> referents, RgbImage image) {
    public ShapesSample {
        Objects.requireNonNull(scene, "scene");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        referents = List.copyOf(referents);
        Objects.requireNonNull(image, "image");
    }

    /** {@code shapes-000042}: the record id and the image file's stem. */
    public String id() {
        return "shapes-%06d".formatted(index);
    }
}
