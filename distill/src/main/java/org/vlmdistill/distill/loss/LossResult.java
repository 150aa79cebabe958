package org.vlmdistill.distill.loss;

/**
 * One micro-batch's loss.
 *
 * @param total    {@code (1 - ratio) * lm + ratio * distil}, the value the step minimises
 * @param distil   the distillation loss, masked token mean (NaN for SFT, which has none)
 * @param lm       the LM cross entropy on the labels, masked token mean
 * @param ratio    the distillation ratio at this step (the schedule's value)
 * @param rows     token rows the loss saw (the mask's sum)
 * @param backward runs autograd from the loss: afterwards every student parameter (and the loss's
 *                 own) holds {@code scale * d total / d theta} added to its gradient. Call it once,
 *                 inside the step's gradient collector. Null when {@code rows == 0}: nothing to
 *                 back-propagate
 */
public record LossResult(double total, double distil, double lm, double ratio, long rows, Backward backward) {

    /** Back-propagation of a computed loss. */
    @FunctionalInterface
    public interface Backward {
        void run(double scale);
    }
}
