package org.vlmdistill.distill.loss;

import org.vlmdistill.distill.schedule.Schedule;

/**
 * The loss of one micro-batch, chunk by chunk: for each run of {@code chunkSize} rows, the student's
 * logits (cut to the shared vocabulary {@code V}, cast to fp32, detached), the teacher's rows, the
 * distillation loss's value and closed-form gradient, and the LM cross entropy's ({@code softmax - onehot});
 * then the chunk's fp32 arrays are dropped. Extra memory is O(chunkSize x V) however many rows.
 *
 * <p>Reduction: masked token mean over the rows, as ../shared/design/TAID.md. Mixing:
 * {@code total = (1 - r) lm + r distil} with {@code r = distilRatio.at(step, total)}; terms whose
 * weight is 0 are not computed.
 *
 * <p>Autograd: the result's surrogate is {@code sum(x * stopgrad(dTotal/dx))} over the student's
 * inputs x (logits, or hidden states and lm_head weight) plus the loss's own parameters, so
 * {@code backward(surrogate)} leaves exactly {@code d total / d theta} in every parameter's gradient.
 */
public final class ChunkedLoss {
    private final DistillationLoss loss;
    private final Schedule distilRatio;
    private final int chunkSize;

    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, was " + chunkSize);
        }
        this.loss = loss;
        this.distilRatio = distilRatio;
        this.chunkSize = chunkSize;
    }

    public DistillationLoss loss() {
        return loss;
    }

    public int chunkSize() {
        return chunkSize;
    }

    /**
     * @param student rows of the student, attached to autograd
     * @param teacher the teacher's rows, or null when the loss needs none (SFT) or the ratio is 0
     * @param labels  each row's label (the next token id), all {@code < vocab}
     * @param vocab   the shared vocabulary size V; both sides are cut to it
     */
    public LossResult compute(StudentRows student, TeacherLogits teacher, long[] labels, int vocab,
                              LossContext context) {
        throw new UnsupportedOperationException("ChunkedLoss.compute: being written");
    }
}
