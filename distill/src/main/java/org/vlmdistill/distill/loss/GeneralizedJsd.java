package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.ForwardKlKernel;
import org.vlmdistill.distill.loss.fused.JsdKernel;
import org.vlmdistill.distill.loss.fused.ReverseKlKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.kl;
import static org.vlmdistill.distill.loss.LossMath.klTerms;
import static org.vlmdistill.distill.loss.LossMath.logAddExp;
import static org.vlmdistill.distill.loss.LossMath.softmaxBackward;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Generalized Jensen-Shannon divergence (GKD, Agarwal et al. 2024; TRL's {@code generalized_jsd_loss}):
 * per row, with {@code m = beta p + (1 - beta) q}
 * <pre>
 * L     = beta KL(p || m) + (1 - beta) KL(q || m)
 * u     = q * dL/dq = (1 - beta) q (log q - log m)     (the other terms cancel: sum of mixture weights is 1)
 * dL/ds = u - q * sum_v u
 * </pre>
 * As TRL, beta = 0 is forward KL ({@code KL(p || q)}, the divergence: {@code fkl} reports the cross entropy) and beta = 1 reverse KL ({@code KL(q || p)}), which
 * cannot read a truncated teacher. Default beta = 0.5.
 */
public record GeneralizedJsd(double beta) implements DistillationLoss {
    public GeneralizedJsd {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("beta must be in [0, 1], was " + beta);
        }
    }

    @Override
    public String name() {
        return "jsd";
    }

    @Override
    public boolean acceptsTruncatedTeacher() {
        return beta < 1;
    }

    /** As the composed form: beta 0 and 1 are forward and reverse KL's kernels. */
    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(beta == 0 ? new ForwardKlKernel(1, false) : beta == 1 ? new ReverseKlKernel() : new JsdKernel(beta));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        if (beta == 0) { // KL(p || q): fkl's gradient q - p, but the divergence, not fkl's cross entropy
            LossMath.requireTeacher(chunk, name());
            NDArray logQ = chunk.student().logSoftmax(1);
            NDArray logP = chunk.teacher().logSoftmax(1);
            NDArray p = logP.exp();
            return new ChunkGradient(total(kl(p, logP, logQ)), logQ.exp().sub(p));
        }
        if (beta == 1) {
            return new ReverseKl().forwardBackward(chunk, context);
        }
        LossMath.requireTeacher(chunk, name());
        NDArray logQ = chunk.student().logSoftmax(1);
        NDArray logP = chunk.teacher().logSoftmax(1);
        NDArray q = logQ.exp();
        NDArray p = logP.exp();
        NDArray logM = logAddExp(logP.add(LossMath.like(chunk.student(), Math.log(beta))), logQ.add(LossMath.like(chunk.student(), Math.log(1 - beta))));
        NDArray studentTerm = klTerms(q, logQ, logM); // 0 where q = 0 (s_v = -inf)
        double loss = beta * total(klTerms(p, logP, logM)) + (1 - beta) * total(studentTerm);
        return new ChunkGradient(loss, softmaxBackward(studentTerm.mul(LossMath.like(chunk.student(), 1 - beta)), q));
    }
}
