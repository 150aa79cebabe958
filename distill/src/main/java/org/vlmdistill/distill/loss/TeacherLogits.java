package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;

/**
 * The teacher's side of one step's aligned rows, produced chunk by chunk so that its logits never
 * exist for all rows at once.
 */
@FunctionalInterface
public interface TeacherLogits {
    /**
     * Rows {@code [from, to)} as fp32 {@code [to - from, V]} over the shared vocabulary: logits
     * (online teacher) or log-probabilities with {@code -inf} outside the kept tokens (top-k cache).
     * The caller closes the array (or its scope) when the chunk is done.
     */
    NDArray rows(int from, int to);

    /**
     * The same rows as the sparse target they are, when the source keeps one (the top-k cache), so
     * that a fused kernel reads the k kept entries instead of a dense {@code -inf} row; null when the
     * rows are dense (the online teacher).
     */
    default SparseTargetRows sparseRows(int from, int to) {
        return null;
    }
}
