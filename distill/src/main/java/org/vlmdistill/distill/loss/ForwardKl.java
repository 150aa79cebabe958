package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.ForwardKlKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.kl;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Forward KL with Hinton's temperature: per row
 * <pre>
 * p_T = softmax(z / T),  q_T = softmax(s / T)
 * L   = T^2 * KL(p_T || q_T) = T^2 * sum_v p_T (log p_T - log q_T)     (0 where p_T = 0)
 * dL/ds = T * (q_T - p_T)
 * </pre>
 * With T = 1 this is {@code -sum p log q} less the teacher's entropy, which has no gradient.
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
        return Optional.of(new ForwardKlKernel(temperature));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        double tt = temperature;
        NDArray logQ = chunk.student().div(LossMath.like(chunk.student(), tt)).logSoftmax(1);
        NDArray logP = chunk.teacher().div(LossMath.like(chunk.student(), tt)).logSoftmax(1);
        NDArray p = logP.exp();
        double loss = tt * tt * total(kl(p, logP, logQ));
        return new ChunkGradient(loss, logQ.exp().sub(p).mul(LossMath.like(chunk.student(), tt)));
    }
}
