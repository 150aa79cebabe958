package org.vlmdistill.distill.loss;

/**
 * Where training stands, for losses whose behaviour follows the schedule (TAID's linear t, CTKD's
 * gradient-reversal lambda).
 *
 * @param optimizerStep optimizer steps taken so far (0 before the first)
 * @param totalSteps    optimizer steps the run will take
 */
public record LossContext(long optimizerStep, long totalSteps) {
    public LossContext {
        if (optimizerStep < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("step " + optimizerStep + " of " + totalSteps);
        }
    }

    /** {@code optimizerStep / totalSteps}, clamped to [0, 1]. */
    public double progress() {
        return Math.min(1.0, (double) optimizerStep / totalSteps);
    }
}
