package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import org.vlmdistill.distill.loss.fused.RowKernel;
import org.vlmdistill.distill.loss.fused.TaidKernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.vlmdistill.distill.loss.LossMath.keep;
import static org.vlmdistill.distill.loss.LossMath.total;

/**
 * TAID (Shing et al., ICLR 2025): distil towards a target that moves from the student to the teacher.
 *
 * <p>Per row, with s the student's logits and z the teacher's (logits or log-probabilities, {@code -inf}
 * outside a truncated support):
 * <pre>
 * p_t  = softmax((1 - t) * stopgrad(s) + t * z)    (softmax(s) at t = 0, softmax(z) at t = 1)
 * L    = -sum_v p_t(v) * log_softmax(s)(v)          (0 where s(v) is infinite)
 * dL/ds = softmax(s) - p_t                          (p_t is a constant)
 * </pre>
 *
 * <p>t follows {@link #afterMicroBatch} once per training micro-batch, with J the micro-batch's loss:
 * the first call only stores {@code prev_loss = J}; after that
 * {@code delta = (prev_loss - J) / (prev_loss + 1e-15)}, {@code m = beta m + (1 - beta) delta},
 * {@code dt = alpha sigmoid(m) (1 - t)}, {@code t_linear = t_start + (t_end - t_start) step / total},
 * {@code t = min(t_end, max(t_linear, t + dt))} (without the adaptive update {@code t = t_linear}),
 * {@code prev_loss = J}. Defaults t_start 0.4, t_end 1.0, alpha 5e-4, beta 0.99.
 */
public final class Taid implements DistillationLoss {
    private static final Set<String> STATE_KEYS = Set.of("t", "momentum", "prev_loss");

    private final double tStart;
    private final double tEnd;
    private final double alpha;
    private final double beta;
    private final boolean adaptive;
    private double t;
    private double momentum;
    private double prevLoss = Double.POSITIVE_INFINITY;
    private double dt;

    public Taid(double tStart, double tEnd, double alpha, double beta, boolean adaptive) {
        if (!(tStart >= 0 && tStart <= tEnd && tEnd <= 1)) {
            throw new IllegalArgumentException("need 0 <= t_start <= t_end <= 1, got " + tStart + ", " + tEnd);
        }
        if (!(alpha >= 0) || !(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("need alpha >= 0 and 0 <= beta < 1, got " + alpha + ", " + beta);
        }
        this.tStart = tStart;
        this.tEnd = tEnd;
        this.alpha = alpha;
        this.beta = beta;
        this.adaptive = adaptive;
        this.t = tStart;
    }

    /** TAID's defaults: t_start 0.4, t_end 1.0, alpha 5e-4, beta 0.99, adaptive. */
    public Taid() {
        this(0.4, 1.0, 5e-4, 0.99, true);
    }

    public double t() {
        return t;
    }

    public double momentum() {
        return momentum;
    }

    public double prevLoss() {
        return prevLoss;
    }

    @Override
    public String name() {
        return "taid";
    }

    @Override
    public Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.of(new TaidKernel(t));
    }

    @Override
    public ChunkGradient forwardBackward(LossChunk chunk, LossContext context) {
        LossMath.requireTeacher(chunk, name());
        NDArray s = chunk.student();
        // at t = 0 and t = 1 one side drops out entirely, so 0 * (-inf) of a truncated teacher never happens
        NDArray target = t == 0 ? s : t == 1 ? chunk.teacher()
                : s.mul(LossMath.like(s, 1 - t)).add(chunk.teacher().mul(LossMath.like(s, t)));
        NDArray pt = target.softmax(1);
        NDArray finite = s.isInfinite().logicalNot();
        double loss = -total(keep(finite, pt.mul(s.logSoftmax(1))));
        NDArray grad = keep(finite, s.softmax(1).sub(pt));
        return new ChunkGradient(loss, grad);
    }

    @Override
    public void afterMicroBatch(double j, LossContext context) {
        if (prevLoss == Double.POSITIVE_INFINITY) {
            prevLoss = j;
            dt = 0;
            return;
        }
        double delta = (prevLoss - j) / (prevLoss + 1e-15);
        momentum = beta * momentum + (1 - beta) * delta;
        dt = alpha * (1 / (1 + Math.exp(-momentum))) * (1 - t);
        double tLinear = tStart + (tEnd - tStart) * context.progress(); // step / total, clamped: t stays <= t_end
        t = adaptive ? Math.min(tEnd, Math.max(tLinear, t + dt)) : tLinear;
        prevLoss = j;
    }

    @Override
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("t", t);
        m.put("dt", dt);
        m.put("momentum", momentum);
        return m;
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("t", t);
        m.put("momentum", momentum);
        m.put("prev_loss", prevLoss);
        return m;
    }

    @Override
    public void restore(Map<String, Double> state) {
        if (!state.keySet().equals(STATE_KEYS)) {
            throw new IllegalArgumentException("taid state needs exactly " + STATE_KEYS.stream().sorted().toList()
                    + ", the checkpoint has " + state.keySet().stream().sorted().toList());
        }
        double newT = state.get("t");
        if (!(newT >= 0 && newT <= 1) || state.get("momentum").isNaN() || state.get("prev_loss").isNaN()) {
            throw new IllegalArgumentException("taid state out of range: " + state);
        }
        t = newT;
        momentum = state.get("momentum");
        prevLoss = state.get("prev_loss");
    }
}
