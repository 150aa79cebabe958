package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.distill.loss.fused.AdaptiveKlKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.kl;
import static org.vlmdistill.distill.loss.LossMath.rowSum;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Adaptive KL (Wu et al. 2024, "Rethinking KL divergence in KD for LLMs"): per row, sort p descending;
 * the head is the tokens whose cumulative p is {@code <= mu} (the top-1 always); with q detached,
 * {@code g_head = sum_head |p - q|}, {@code g_tail = sum_tail |p - q|},
 * {@code w_head = g_head / (g_head + g_tail)}, {@code w_tail = 1 - w_head} (both 0 when p = q), and
 * <pre>
 * L     = w_head * KL(p || q) + w_tail * KL(q || p)
 * dL/ds = w_head * (q - p) + w_tail * q * (log q - log p - KL(q || p))    (the weights are constants)
 * </pre>
 * The weights are per row (the official code pools them over the batch, which no chunked loss can).
 * Reverse KL is infinite where p = 0, so it cannot read a truncated teacher. Default mu = 0.5.
 */
public record AdaptiveKl(double mu) implements DistillationLoss {
    public AdaptiveKl {
        if (!(mu >= 0 && mu <= 1)) {
            throw new IllegalArgumentException("mu must be in [0, 1], was " + mu);
        }
    }

    @Override
    public String name() {
        return "akl";
    }

    @Override
    public boolean acceptsTruncatedTeacher() {
        return false;
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new AdaptiveKlKernel(mu));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        NDArray logQ = chunk.student().logSoftmax(1);
        NDArray logP = chunk.teacher().logSoftmax(1);
        NDArray q = logQ.exp();
        NDArray p = logP.exp();
        NDArray[] w = weights(p, q, mu);
        NDArray forward = kl(p, logP, logQ);
        NDArray reverseRatio = logQ.sub(logP);
        NDArray reverse = rowSum(q.mul(reverseRatio));
        double loss = total(w[0].mul(forward).add(w[1].mul(reverse)));
        NDArray grad = q.sub(p).mul(w[0]).add(q.mul(reverseRatio.sub(reverse)).mul(w[1]));
        return new ChunkGradient(loss, grad);
    }

    /** {@code [w_head, w_tail]}, each {@code [n, 1]}, from p and the (detached) q. */
    static NDArray[] weights(NDArray p, NDArray q, double mu) {
        Shape shape = p.getShape();
        NDArray order = p.argSort(1, false);
        NDArray sortedP = p.gather(order, 1);
        NDArray error = sortedP.sub(q.gather(order, 1)).abs();
        NDArray first = p.getManager().arange(Math.toIntExact(shape.get(1))).eq(0).broadcast(shape);
        NDArray head = sortedP.cumSum(1).lte(LossMath.like(p, mu)).logicalOr(first);
        NDArray gHead = rowSum(keep(head, error));
        NDArray gTail = rowSum(keep(head.logicalNot(), error));
        NDArray sum = gHead.add(gTail).maximum(LossMath.like(p, p.getDataType() == ai.djl.ndarray.types.DataType.FLOAT64 ? 1e-300 : 1e-30));
        return new NDArray[]{gHead.div(sum), gTail.div(sum)};
    }
}
