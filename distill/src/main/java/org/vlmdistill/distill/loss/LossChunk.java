package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;

/**
 * The inputs of one chunk of {@code n} token rows, fp32, detached, on the compute device, cut to the
 * shared vocabulary {@code V}.
 *
 * @param student the student's logits {@code [n, V]}
 * @param teacher the teacher's logits or log-probabilities {@code [n, V]} ({@code -inf} outside a
 *                truncated support, as the top-k cache gives); null for losses that need no teacher
 * @param labels  the label of each row (the next token), int64 {@code [n]}; every row carries one
 */
public record LossChunk(NDArray student, NDArray teacher, NDArray labels) {
    public int rows() {
        return Math.toIntExact(student.getShape().get(0));
    }
}
