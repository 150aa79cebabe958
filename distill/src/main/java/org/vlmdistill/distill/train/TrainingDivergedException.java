package org.vlmdistill.distill.train;

import org.vlmdistill.distill.data.StepBatch;

/**
 * A run stopped after {@code max_bad_steps} optimizer steps in a row with a non-finite loss or
 * gradient norm; names the step and the samples of the last micro-batch.
 */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(long step, int inRow, String problem, StepBatch lastBatch) {
        super("stopped at optimizer step " + step + " after " + inRow + " skipped step" + (inRow == 1 ? "" : "s")
                + " in a row (" + problem + ")" + (lastBatch == null ? ""
                : "; last micro-batch: epoch " + lastBatch.epoch() + " step " + lastBatch.step() + ", samples "
                + lastBatch.student().sampleIds())
                + ". Lower the learning rate, check the data, or raise max_bad_steps.");
    }
}
