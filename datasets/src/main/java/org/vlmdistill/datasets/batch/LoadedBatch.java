package org.vlmdistill.datasets.batch;

import java.util.List;
import java.util.Objects;

/**
 * One step's batch as the loader delivers it.
 *
 * @param skipped the planned samples of this step that were skipped, in plan order; the batch holds
 *                the others, so it may be smaller than the batch size, or empty. An empty batch is still
 *                delivered, so every rank takes the same number of steps.
 * @param resume  the cursor to save with a checkpoint taken after this step: a run restored from it
 *                starts with the next batch
 */
public record LoadedBatch<I>(int epoch, int step, Batch<I> batch, List<SkippedSample> skipped, Cursor resume) {
    public LoadedBatch {
        Objects.requireNonNull(batch, "batch");
        skipped = List.copyOf(skipped);
        Objects.requireNonNull(resume, "resume");
    }
}
