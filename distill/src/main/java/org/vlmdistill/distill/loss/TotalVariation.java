package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.RowKernel;
import org.vlmdistill.distill.loss.fused.TotalVariationKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.softmaxBackward;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Total variation distance: per row
 * <pre>
 * L     = 0.5 * sum_v |p - q|
 * u     = q * dL/dq = 0.5 * q * sign(q - p)     (sign(0) = 0, a subgradient)
 * dL/ds = u - q * sum_v u
 * </pre>
 */
public record TotalVariation() implements DistillationLoss {
    @Override
    public String name() {
        return "tvd";
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new TotalVariationKernel());
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        NDArray q = chunk.student().softmax(1);
        NDArray p = chunk.teacher().softmax(1);
        NDArray diff = q.sub(p);
        double loss = 0.5 * total(diff.abs());
        return new ChunkGradient(loss, softmaxBackward(q.mul(diff.sign()).mul(LossMath.like(chunk.student(), 0.5)), q));
    }
}
