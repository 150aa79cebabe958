package org.vlmdistill.distill.loss;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.distill.loss.fused.CtkdKernel;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.List;
import java.util.Optional;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.kl;
import static org.vlmdistill.distill.loss.LossMath.rowSum;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * Curriculum temperature KD (Li et al., AAAI 2023): a learned temperature
 * {@code T = 1 + 20 sigmoid(theta)}, theta a scalar trained adversarially through gradient reversal.
 * Per row, with {@code x = s / T}, {@code a = z / T}, {@code p = softmax(a)}, {@code q = softmax(x)}:
 * <pre>
 * L      = T^2 * K,  K = KL(p || q)
 * dL/ds  = T * (q - p)
 * dL/dT  = 2 T K + (E_p[s] - E_q[s]) - T * sum_v p (log p - E_p[log p]) (log p - log q)
 * dL/dtheta = dL/dT * 20 sigmoid(theta) (1 - sigmoid(theta))
 * </pre>
 * (from {@code d log p / dT = -(log p - E_p log p) / T} and {@code d log q / dT = -(s - E_q s) / T^2}).
 * The parameter gradient handed back is {@code lambda * dL/dtheta}, with the reversal
 * {@code lambda = -lambda_max (1 - cos(pi * progress)) / 2}, from 0 to {@code -lambda_max}
 * (default 1): the optimizer's descent on theta then ascends the loss.
 */
public final class Ctkd implements DistillationLoss {
    public static final String THETA = "loss.ctkd.theta";

    private final Parameter theta;
    private final double lambdaMax;

    /** theta starts at 0 (T = 11), a scalar fp32 array in {@code manager}, requiring gradient. */
    public Ctkd(NDManager manager, double lambdaMax) {
        if (!(lambdaMax >= 0)) {
            throw new IllegalArgumentException("lambda_max must be >= 0, was " + lambdaMax);
        }
        NDArray t = manager.create(0f);
        t.setRequiresGradient(true);
        this.theta = new Parameter(THETA, t);
        this.lambdaMax = lambdaMax;
    }

    public double lambdaMax() {
        return lambdaMax;
    }

    /** {@code sigmoid(theta)} now; the temperature is {@code 1 + 20 sigmoid(theta)}. */
    public double sigmoidTheta() {
        return sigmoid(HostReads.scalarFloat(theta.array(), "CTKD's theta"));
    }

    /** The current temperature {@code 1 + 20 sigmoid(theta)}. */
    public double temperature() {
        return 1 + 20 * sigmoidTheta();
    }

    /** The gradient-reversal factor at this point of training. */
    public double lambda(LossContext context) {
        return -lambdaMax * (1 - Math.cos(Math.PI * context.progress())) / 2;
    }

    @Override
    public String name() {
        return "ctkd";
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(theta);
    }

    /** The temperature is read from theta here, once per chunk, as {@link #forwardBackward} reads it. */
    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new CtkdKernel(sigmoidTheta(), lambda(context)));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        double sig = sigmoidTheta();
        double tt = 1 + 20 * sig;
        NDArray s = chunk.student();
        NDArray logQ = s.div(LossMath.like(chunk.student(), tt)).logSoftmax(1);
        NDArray logP = chunk.teacher().div(LossMath.like(chunk.student(), tt)).logSoftmax(1);
        NDArray q = logQ.exp();
        NDArray p = logP.exp();
        NDArray positive = p.gt(LossMath.like(p, 0));
        NDArray k = kl(p, logP, logQ);
        NDArray meanLogP = rowSum(keep(positive, p.mul(logP)));
        NDArray covariance = rowSum(keep(positive, p.mul(logP.sub(meanLogP)).mul(logP.sub(logQ))));
        NDArray shift = rowSum(p.mul(s)).sub(rowSum(q.mul(s)));
        double dLdT = total(k.mul(LossMath.like(chunk.student(), 2 * tt)).add(shift).sub(covariance.mul(LossMath.like(s, tt))));
        double dLdTheta = dLdT * 20 * sig * (1 - sig);
        return new ChunkGradient(tt * tt * total(k), q.sub(p).mul(LossMath.like(chunk.student(), tt)), new double[]{lambda(context) * dLdTheta});
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
