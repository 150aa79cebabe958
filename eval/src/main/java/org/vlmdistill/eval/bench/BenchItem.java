package org.vlmdistill.eval.bench;

import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;

import java.util.List;
import java.util.Objects;

/**
 * One scorable item of a benchmark.
 *
 * @param index      its record's position among the file's records, from 0 (the report's "record index")
 * @param id         the record's id ({@code index} column, {@code id} key, ...)
 * @param category   its category ({@code category} column, Shapes' {@code kind}), or {@code ""}
 * @param question   the question text with the hint before it, without image placeholders or options
 * @param images     its images, in order
 * @param choices    the offered options in letter order (multiple choice), else empty
 * @param references the reference answers: the answer letter (multiple choice), "yes"/"no", one exact
 *                   answer, or VQA's ten; never empty
 * @param imageKey   what identifies its image for MME's per-image pairs: {@code image_path} when the file
 *                   has one, else a hash of the image bytes
 * @param group      the circular-evaluation group: MMBench's {@code index % 1e6} when the file holds the
 *                   rotations itself, else the item's own index
 */
public record BenchItem(int index, String id, String category, String question, List<ImageSource> images,
                        List<Choice> choices, List<String> references, String imageKey, long group,
                        Provenance provenance) {
    public BenchItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(question, "question");
        images = List.copyOf(images);
        choices = List.copyOf(choices);
        references = List.copyOf(references);
        if (references.isEmpty()) {
            throw new IllegalArgumentException("item " + id + " has no reference answer");
        }
        Objects.requireNonNull(imageKey, "imageKey");
        Objects.requireNonNull(provenance, "provenance");
    }

    /** The right option's letter (multiple choice). */
    public String answer() {
        return references.getFirst();
    }
}
