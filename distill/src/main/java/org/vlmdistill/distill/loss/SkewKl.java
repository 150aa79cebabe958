package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.RowKernel;
import org.vlmdistill.distill.loss.fused.SkewKlKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.logAddExp;
import static org.vlmdistill.distill.loss.LossMath.positive;
import static org.vlmdistill.distill.loss.LossMath.softmaxBackward;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Skew KL (DistiLLM, Ko et al. 2024), as docs/methods.md gives it: per row, with
 * {@code m = a p + (1 - a) q}
 * <pre>
 * L     = -sum_v p log m                        (0 where p = 0)
 * u     = q * dL/dq = -(1 - a) p q / m
 * dL/ds = u - q * sum_v u
 * </pre>
 * {@code log m} is {@code logaddexp(log a + log p, log(1 - a) + log q)}, finite wherever q is. Default a = 0.1.
 */
public record SkewKl(double alpha) implements DistillationLoss {
    public SkewKl {
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1), was " + alpha);
        }
    }

    @Override
    public String name() {
        return "skew_kl";
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new SkewKlKernel(alpha));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        NDArray logQ = chunk.student().logSoftmax(1);
        NDArray logP = chunk.teacher().logSoftmax(1);
        NDArray q = logQ.exp();
        NDArray p = logP.exp();
        NDArray logM = logAddExp(logP.add(LossMath.like(chunk.student(), Math.log(alpha))), logQ.add(LossMath.like(chunk.student(), Math.log(1 - alpha))));
        NDArray teacherSupport = positive(p); // where p = q = 0, log q - log m is NaN and u is 0
        double loss = -total(keep(teacherSupport, p.mul(logM)));
        NDArray u = keep(teacherSupport, p.mul(logQ.sub(logM).exp())).mul(LossMath.like(chunk.student(), -(1 - alpha)));
        return new ChunkGradient(loss, softmaxBackward(u, q));
    }
}
