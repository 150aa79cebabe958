package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;

/**
 * The student's side of one step's aligned rows, still attached to autograd.
 */
public sealed interface StudentRows {

    /** Number of rows {@code N}. */
    int rows();

    /** Logits already computed, {@code [N, V_student]} in the model's dtype (the unfused path). */
    record Logits(NDArray logits) implements StudentRows {
        @Override
        public int rows() {
            return Math.toIntExact(logits.getShape().get(0));
        }
    }

    /**
     * Last hidden states {@code [N, H]} and the lm_head weight {@code [V_student, H]}: each chunk's
     * logits are projected, used and dropped, so {@code [N, V]} never exists (Liger-Kernel's fused
     * linear loss). The gradient reaches {@code hidden} and {@code headWeight} through the surrogate.
     */
    record Hidden(NDArray hidden, NDArray headWeight) implements StudentRows {
        @Override
        public int rows() {
            return Math.toIntExact(hidden.getShape().get(0));
        }
    }
}
