package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.ReverseKlKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.positive;
import static org.vlmdistill.distill.loss.LossMath.rowSum;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Reverse KL: per row
 * <pre>
 * L     = KL(q || p) = sum_v q (log q - log p)
 * dL/ds = q * (log q - log p - L)              (u = q (log q - log p + 1), u - q sum u)
 * </pre>
 * Infinite where the teacher gives probability 0, so it cannot read a truncated teacher; where the student
 * gives 0 ({@code s_v = -inf}, a masked token) the term and its gradient take their limit, 0.
 */
public record ReverseKl() implements DistillationLoss {
    @Override
    public String name() {
        return "rkl";
    }

    @Override
    public boolean acceptsTruncatedTeacher() {
        return false;
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new ReverseKlKernel());
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        NDArray logQ = chunk.student().logSoftmax(1);
        NDArray logP = chunk.teacher().logSoftmax(1);
        NDArray q = logQ.exp();
        NDArray ratio = keep(positive(q), logQ.sub(logP)); // 0 (-inf) = NaN otherwise
        NDArray perRow = rowSum(q.mul(ratio));
        return new ChunkGradient(total(perRow), q.mul(ratio.sub(perRow)));
    }
}
