package org.vlmdistill.distill.train;

import org.vlmdistill.distill.data.StepBatch;

import java.nio.file.Path;

/**
 * A run stopped after {@code max_bad_steps} optimizer steps in a row with a non-finite loss or
 * gradient norm, naming the step and the samples of the last micro-batch; or stopped before a
 * checkpoint because a weight is not finite, which no checkpoint may hold.
 */
public final class TrainingDivergedException extends RuntimeException {
    private TrainingDivergedException(String message) {
        super(message);
    }

    /** The weights hold NaN or Infinity at {@code step}: nothing is written; {@code lastGood} is the newest checkpoint. */
    public static TrainingDivergedException nonFiniteWeights(long step, String parameter, Path lastGood) {
        return new TrainingDivergedException("stopped at optimizer step " + step + ": " + parameter
                + " holds NaN or Infinity, so no checkpoint was written (the newest complete one: "
                + (lastGood == null ? "none" : lastGood.toString()) + "). Lower the learning rate or check the data.");
    }

    public TrainingDivergedException(long step, int inRow, String problem, StepBatch lastBatch) {
        super("stopped at optimizer step " + step + " after " + inRow + " skipped step" + (inRow == 1 ? "" : "s")
                + " in a row (" + problem + ")" + (lastBatch == null ? ""
                : "; last micro-batch: epoch " + lastBatch.epoch() + " step " + lastBatch.step() + ", samples "
                + lastBatch.student().sampleIds())
                + ". Lower the learning rate, check the data, or raise max_bad_steps.");
    }
}
