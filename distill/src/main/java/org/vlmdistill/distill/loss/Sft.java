package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.CrossEntropyKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.oneHot;
import static org.vlmdistill.distill.loss.LossMath.pick;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Supervised fine-tuning, the no-teacher baseline: per row, with y the label,
 * <pre>
 * L     = -log_softmax(s)(y)
 * dL/ds = softmax(s) - onehot(y)
 * </pre>
 * {@link ChunkedLoss} reports it as the LM loss (the total is the LM loss, distil NaN, whatever the ratio).
 */
public record Sft() implements DistillationLoss {
    @Override
    public String name() {
        return "sft";
    }

    @Override
    public boolean needsTeacher() {
        return false;
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new CrossEntropyKernel());
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        return crossEntropy(chunk.student(), chunk.labels());
    }

    /** The LM loss of a chunk: the sum of {@code -log q(y)}, and {@code q - onehot(y)}. */
    static ChunkGradient crossEntropy(NDArray s, NDArray labels) {
        NDArray logQ = s.logSoftmax(1);
        double loss = -total(pick(logQ, labels));
        return new ChunkGradient(loss, logQ.exp().sub(oneHot(labels, s)));
    }
}
