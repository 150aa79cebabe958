package org.vlmdistill.distill.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.Batch;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.batch.ImageSpan;
import org.vlmdistill.datasets.batch.SkippedSample;

import java.util.List;
import java.util.Objects;

/**
 * One micro-batch for both models: the same samples in the same rows, each padded with its own
 * model's pad id. Image payloads are the processed pixels; see {@link #pixels}.
 *
 * @param teacher null when no teacher runs during training
 * @param skipped planned samples of this step left out (bad image, too long), in plan order
 * @param resume  the data cursor to save with a checkpoint taken after this step
 */
public record StepBatch(int epoch, int step, Batch<PixelValues> student, Batch<PixelValues> teacher,
                        List<SkippedSample> skipped, Cursor resume) {
    public StepBatch {
        Objects.requireNonNull(student, "student");
        skipped = List.copyOf(skipped);
        Objects.requireNonNull(resume, "resume");
        if (teacher != null && !teacher.sampleIds().equals(student.sampleIds())) {
            throw new IllegalArgumentException("teacher and student batches hold different samples: "
                    + teacher.sampleIds() + " vs " + student.sampleIds());
        }
    }

    /**
     * The batch's images as {@link org.vlmdistill.core.model.VisionLanguageModel#forward} takes them: every
     * tile of every image, row by row and in order within a row, {@code [tiles, C, H, W]} fp32 in
     * {@code manager}; null when the batch holds no image.
     *
     * @throws IllegalArgumentException when the images' tiles differ in shape
     */
    public static NDArray pixels(Batch<PixelValues> batch, NDManager manager) {
        List<PixelValues> images = batch.images().stream().flatMap(List::stream).map(ImageSpan::image).toList();
        try {
            return PixelValues.stack(images, manager);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (samples " + batch.sampleIds() + ")", e);
        }
    }
}
