package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.RowKernel;
import org.vlmdistill.distill.loss.fused.SkewReverseKlKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.logAddExp;
import static org.vlmdistill.distill.loss.LossMath.positive;
import static org.vlmdistill.distill.loss.LossMath.softmaxBackward;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Skew reverse KL (DistiLLM): per row, with {@code m = (1 - a) p + a q}
 * <pre>
 * L     = sum_v q (log q - log m)
 * u     = q * dL/dq = q * (log q + 1 - log m - a q / m)
 * dL/ds = u - q * sum_v u
 * </pre>
 * Where p = 0, {@code log q - log m = -log a}: finite, so a truncated teacher is fine. Where q = 0
 * ({@code s_v = -inf}) the terms take their limit, 0. Default a = 0.1.
 */
public record SkewReverseKl(double alpha) implements DistillationLoss {
    public SkewReverseKl {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], was " + alpha);
        }
    }

    @Override
    public String name() {
        return "skew_rkl";
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new SkewReverseKlKernel(alpha));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        NDArray logQ = chunk.student().logSoftmax(1);
        NDArray logP = chunk.teacher().logSoftmax(1);
        NDArray q = logQ.exp();
        NDArray logM = logAddExp(logP.add(LossMath.like(chunk.student(), Math.log(1 - alpha))), logQ.add(LossMath.like(chunk.student(), Math.log(alpha))));
        NDArray logRatio = keep(positive(q), logQ.sub(logM)); // q = 0 multiplies every use
        double loss = total(q.mul(logRatio));
        NDArray u = q.mul(logRatio.add(LossMath.like(q, 1)).sub(logRatio.exp().mul(LossMath.like(q, alpha))));
        return new ChunkGradient(loss, softmaxBackward(u, q));
    }
}
