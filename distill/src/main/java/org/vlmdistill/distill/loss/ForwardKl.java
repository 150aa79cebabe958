package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.ForwardKlKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.positive;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Forward KL with Hinton's temperature, reported as the official TAID code's {@code forward_kl} reports
 * it: the cross entropy. Per row
 * <pre>
 * p_T = softmax(z / T),  q_T = softmax(s / T)
 * L   = T^2 * H(p_T, q_T) = -T^2 * sum_v p_T log q_T                 (0 where p_T = 0)
 *     = T^2 * (KL(p_T || q_T) + H(p_T))
 * dL/ds = T * (q_T - p_T)
 * </pre>
 * The teacher's entropy {@code H(p_T)} has no gradient, so the gradient is KL's; the reported number is
 * the same as TAID's at t = 1 (T = 1) on the same rows.
 */
public record ForwardKl(double temperature) implements DistillationLoss {
    public ForwardKl {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, was " + temperature);
        }
    }

    @Override
    public String name() {
        return "fkl";
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new ForwardKlKernel(temperature, true));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        double tt = temperature;
        NDArray logQ = chunk.student().div(LossMath.like(chunk.student(), tt)).logSoftmax(1);
        NDArray logP = chunk.teacher().div(LossMath.like(chunk.student(), tt)).logSoftmax(1);
        NDArray p = logP.exp();
        double loss = -tt * tt * total(keep(positive(p), p.mul(logQ)));
        return new ChunkGradient(loss, logQ.exp().sub(p).mul(LossMath.like(chunk.student(), tt)));
    }
}
