package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;

/**
 * One micro-batch's loss.
 *
 * @param total     {@code (1 - ratio) * lm + ratio * distil}, the value the step minimises
 * @param distil    the distillation loss, masked token mean (NaN for SFT, which has none)
 * @param lm        the LM cross entropy on the labels, masked token mean
 * @param ratio     the distillation ratio at this step (the schedule's value)
 * @param rows      token rows the loss saw (the mask's sum)
 * @param surrogate a scalar attached to autograd whose gradient with respect to the student (and to
 *                  the loss's own parameters) is exactly {@code d total}; its value is not the loss.
 *                  Null when {@code rows == 0}: nothing to back-propagate
 */
public record LossResult(double total, double distil, double lm, double ratio, long rows, NDArray surrogate) {
}
