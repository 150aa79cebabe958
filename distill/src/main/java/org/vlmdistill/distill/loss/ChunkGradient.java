package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;

/**
 * What a loss gives back for one chunk.
 *
 * @param lossSum        the sum over the chunk's rows of the per-row loss
 * @param studentGrad    {@code d lossSum / d student logits}, fp32 {@code [n, V]}
 * @param parameterGrads {@code d lossSum / d p} for each of {@link DistillationLoss#parameters()}, in
 *                       order, already scaled as the method wants (CTKD's gradient reversal); empty
 *                       for the rest
 */
public record ChunkGradient(double lossSum, NDArray studentGrad, double[] parameterGrads) {
    public ChunkGradient(double lossSum, NDArray studentGrad) {
        this(lossSum, studentGrad, new double[0]);
    }
}
