package org.vlmdistill.distill.loss.fused;

import java.lang.foreign.MemorySegment;

/**
 * One loss's fused computation of one token row, in place on the rows' memory: the LM cross entropy
 * and the distillation loss of the row, and its whole gradient with respect to the student's logits
 * <pre>
 * g = wLm * (softmax(s) - onehot(y)) + wD * dD/ds
 * </pre>
 * written over the gradient row. Each implementation gives D and dD/ds in its Javadoc, as the
 * DJL-composed loss of the same name does (the reference the kernels are tested against).
 *
 * <p>Each loss picks its own kernel ({@link org.vlmdistill.distill.loss.DistillationLoss#fusedKernel});
 * {@link FusedKernels} runs it over a chunk's rows. A row is {@code n} floats at a byte offset of a segment; the student's and target's rows are
 * only read, the gradient row only written (it may hold anything before). The gradient row may be
 * the student's own row only for a kernel that says {@link #inPlace()}; {@link FusedKernels} gives
 * the others a copy of the student's row when the two are one.
 */
public interface RowKernel {

    /** Per-row outputs: {@code out[0]} the LM loss, {@code out[1]} D, then the loss's parameter gradients. */
    default int outputs() {
        return 2;
    }

    /** False for the LM-only kernel (SFT, or a distillation ratio of 0), which never reads a target row. */
    default boolean readsTarget() {
        return true;
    }

    /**
     * Whether g may be the very row s: the kernel reads each {@code s_i} only before it writes
     * {@code g_i}, in its last pass, and reads nothing of s after it.
     */
    default boolean inPlace() {
        return false;
    }

    /**
     * @param s  student logits row; z the target row (teacher logits or log-probabilities, {@code -inf}
     *           outside a truncated support), unused when {@link #readsTarget()} is false
     * @param y  the row's label, in {@code [0, n)}
     * @param g  the gradient row to write
     * @param ws this thread's workspace
     */
    void row(MemorySegment s, long sb, MemorySegment z, long zb, int n, int y,
             MemorySegment g, long gb, float wLm, float wD, double[] out, Workspace ws);
}
