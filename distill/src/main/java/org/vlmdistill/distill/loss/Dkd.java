package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import org.vlmdistill.distill.loss.fused.DkdKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.kl;
import static org.vlmdistill.distill.loss.LossMath.klTerms;
import static org.vlmdistill.distill.loss.LossMath.logSumExp;
import static org.vlmdistill.distill.loss.LossMath.oneHot;
import static org.vlmdistill.distill.loss.LossMath.pick;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Decoupled KD (Zhao et al., CVPR 2022): per row, with y the label, {@code x = s / T}, {@code a = z / T},
 * {@code p = softmax(a)}, {@code q = softmax(x)}, and p^, q^ the softmax over the non-target tokens only:
 * <pre>
 * TCKD  = p_y log(p_y / q_y) + (1 - p_y) log((1 - p_y) / (1 - q_y))     (binary KL, target vs rest)
 * NCKD  = KL(p^ || q^)                                                  (0 when p^ does not exist)
 * L     = T^2 (alpha TCKD + beta NCKD)
 * dL/ds = T (alpha (q_y - p_y) (onehot(y) - q^) + beta (q^ - p^))
 * </pre>
 * ({@code d TCKD / dx_v = (q_y - p_y)/(1 - q_y) (delta_vy - q_v)}, and {@code q_v / (1 - q_y) = q^_v}.)
 * {@code log(1 - q_y)} is {@code logsumexp(x without y) - logsumexp(x)}, exact for q_y near 1.
 * Defaults alpha 1, beta 0.5, T 1 (the TAID paper's settings); DKD's own vision defaults are
 * alpha 1, beta 8, T 4.
 */
public record Dkd(double alpha, double beta, double temperature) implements DistillationLoss {
    public Dkd {
        if (!(alpha >= 0) || !(beta >= 0) || !(temperature > 0)) {
            throw new IllegalArgumentException("need alpha >= 0, beta >= 0, temperature > 0; got "
                    + alpha + ", " + beta + ", " + temperature);
        }
    }

    @Override
    public String name() {
        return "dkd";
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new DkdKernel(alpha, beta, temperature));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        double tt = temperature;
        NDArray x = chunk.student().div(LossMath.like(chunk.student(), tt));
        NDArray a = chunk.teacher().div(LossMath.like(chunk.student(), tt));
        NDArray target = oneHot(chunk.labels(), x);
        NDArray rest = target.lt(LossMath.like(target, 0.5));
        NDArray minusInf = x.getManager().create(Double.NEGATIVE_INFINITY).toType(x.getDataType(), false);
        NDArray xRest = NDArrays.where(rest, x, minusInf);
        NDArray aRest = NDArrays.where(rest, a, minusInf);

        NDArray logQy = pick(x.logSoftmax(1), chunk.labels());
        NDArray logPy = pick(a.logSoftmax(1), chunk.labels());
        NDArray log1mQy = logSumExp(xRest).sub(logSumExp(x));
        NDArray log1mPy = logSumExp(aRest).sub(logSumExp(a));
        NDArray qy = logQy.exp();
        NDArray py = logPy.exp();
        NDArray tckd = klTerms(py, logPy, logQy)
                .add(keep(log1mPy.isInfinite().logicalNot(), log1mPy.exp().mul(log1mPy.sub(log1mQy))));

        NDArray logQHat = xRest.logSoftmax(1);
        NDArray qHat = keep(logQHat.isNaN().logicalNot(), logQHat.exp()); // no rest at V = 1: q^ = 0, no NaN
        NDArray hasRest = log1mPy.isInfinite().logicalNot();
        NDArray logPHat = aRest.logSoftmax(1);
        NDArray pHat = keep(logPHat.isNaN().logicalNot(), logPHat.exp());
        NDArray nckd = keep(hasRest, kl(pHat, logPHat, logQHat));

        double loss = tt * tt * total(tckd.mul(LossMath.like(chunk.student(), alpha)).add(nckd.mul(LossMath.like(x, beta))));
        NDArray tGrad = target.sub(qHat).mul(qy.sub(py));
        NDArray nGrad = qHat.sub(pHat).mul(hasRest.toType(DataType.FLOAT32, false).toType(x.getDataType(), false));
        return new ChunkGradient(loss, tGrad.mul(LossMath.like(chunk.student(), alpha)).add(nGrad.mul(LossMath.like(x, beta))).mul(LossMath.like(chunk.student(), tt)));
    }
}
