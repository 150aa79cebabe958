package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.nn.Activation;

/**
 * The same losses written the textbook way on the full {@code [N, V]} fp32 logits, differentiated by
 * autograd: the reference the closed forms and the fused kernels are tested against. It materialises
 * every intermediate at full size; use it on small inputs.
 *
 * <p>The caller holds the {@code GradientCollector}: set {@code requiresGradient} on the logits (and
 * on CTKD's theta), call {@link #total}, and back-propagate the result. CTKD's theta then receives
 * {@code d total / d theta} without the gradient reversal.
 */
public final class NaiveLoss {
    private NaiveLoss() {
    }

    /** {@code ((1 - r) * sum lm + r * sum distil) / N} as a scalar; SFT's total is the LM loss. */
    public static NDArray total(DistillationLoss loss, NDArray logits, NDArray teacher, NDArray labels,
                                double ratio, LossContext context) {
        long n = logits.getShape().get(0);
        NDArray lm = lmSum(logits, labels);
        if (!loss.needsTeacher() || ratio == 0) {
            return lm.div(LossMath.like(lm, n));
        }
        NDArray distil = distilSum(loss, logits, teacher, labels, context);
        NDArray mixed = ratio == 1 ? distil : lm.mul(LossMath.like(lm, 1 - ratio)).add(distil.mul(LossMath.like(distil, ratio)));
        return mixed.div(LossMath.like(mixed, n));
    }

    /** {@code sum_rows -log softmax(s)[label]}. */
    public static NDArray lmSum(NDArray s, NDArray labels) {
        return s.logSoftmax(1).gather(labels.reshape(-1, 1), 1).sum().neg();
    }

    /** The distillation loss summed over rows. */
    public static NDArray distilSum(DistillationLoss loss, NDArray s, NDArray z, NDArray labels, LossContext context) {
        return switch (loss) {
            case Taid taid -> {
                double t = taid.t();
                NDArray pt = s.stopGradient().mul(LossMath.like(s, 1 - t)).add(z.mul(LossMath.like(s, t))).softmax(1);
                NDArray terms = pt.mul(s.logSoftmax(1));
                yield zeroWhere(s.isInfinite(), terms).sum().neg(); // constants in the logits' dtype, as the chunked side
            }
            case ForwardKl f -> { // T^2 H(p_T, q_T): the cross entropy, as the official TAID code's forward_kl
                NDArray p = z.div(LossMath.like(z, f.temperature())).softmax(1);
                NDArray logQ = s.div(LossMath.like(s, f.temperature())).logSoftmax(1);
                yield zeroWhere(p.eq(0), p.mul(logQ)).sum().neg().mul(LossMath.like(s, f.temperature() * f.temperature()));
            }
            case ReverseKl r -> reverse(s, z).sum();
            case TotalVariation tvd -> s.softmax(1).sub(z.softmax(1)).abs().sum().mul(LossMath.like(s, 0.5));
            case SkewKl k -> {
                NDArray p = z.softmax(1);
                NDArray m = p.mul(LossMath.like(p, k.alpha())).add(s.softmax(1).mul(LossMath.like(s, 1 - k.alpha())));
                yield zeroWhere(p.eq(0), p.mul(m.log())).sum().neg();
            }
            case SkewReverseKl k -> {
                NDArray q = s.softmax(1);
                NDArray m = z.softmax(1).mul(LossMath.like(z, 1 - k.alpha())).add(q.mul(LossMath.like(q, k.alpha())));
                yield q.mul(q.log().sub(m.log())).sum();
            }
            case GeneralizedJsd j -> {
                if (j.beta() == 0) {
                    yield klSum(z, s);
                }
                if (j.beta() == 1) {
                    yield reverse(s, z).sum();
                }
                NDArray p = z.softmax(1);
                NDArray q = s.softmax(1);
                NDArray logM = p.mul(LossMath.like(p, j.beta())).add(q.mul(LossMath.like(q, 1 - j.beta()))).log();
                NDArray teacherPart = zeroWhere(p.eq(0), p.mul(p.log().sub(logM))).sum();
                NDArray studentPart = q.mul(q.log().sub(logM)).sum();
                yield teacherPart.mul(LossMath.like(teacherPart, j.beta()))
                        .add(studentPart.mul(LossMath.like(studentPart, 1 - j.beta())));
            }
            case AdaptiveKl a -> {
                NDArray p = z.softmax(1);
                NDArray[] w = AdaptiveKl.weights(p, s.stopGradient().softmax(1), a.mu());
                NDArray logQ = s.logSoftmax(1);
                NDArray fkl = zeroWhere(p.eq(0), p.mul(p.log().sub(logQ))).sum(new int[]{1}, true);
                yield w[0].mul(fkl).add(w[1].mul(reverse(s, z))).sum();
            }
            case Ctkd c -> {
                NDArray theta = c.parameters().getFirst().array();
                NDArray sig = Activation.sigmoid(theta);
                NDArray t = sig.mul(LossMath.like(sig, 20)).add(1f); // add saves nothing for the backward
                NDArray p = z.div(t).softmax(1);
                NDArray logQ = s.div(t).logSoftmax(1);
                NDArray kl = zeroWhere(p.eq(0), p.mul(p.log().sub(logQ))).sum();
                yield kl.mul(t.square());
            }
            case Dkd d -> dkd(d, s, z, labels);
            case Sft sft -> lmSum(s, labels);
            default -> throw new IllegalArgumentException("no naive form of " + loss.name());
        };
    }

    /** DKD as its authors' code: masks, binary distributions, logs of ratios. */
    private static NDArray dkd(Dkd d, NDArray s, NDArray z, NDArray labels) {
        double t = d.temperature();
        NDArray target = labels.oneHot(Math.toIntExact(s.getShape().get(1)), s.getDataType());
        NDArray rest = target.neg().add(1);
        NDArray q = s.div(LossMath.like(s, t)).softmax(1);
        NDArray p = z.div(LossMath.like(z, t)).softmax(1);
        NDArray qt = q.mul(target).sum(new int[]{1}, true);
        NDArray pt = p.mul(target).sum(new int[]{1}, true);
        NDArray qr = q.mul(rest).sum(new int[]{1}, true);
        NDArray pr = p.mul(rest).sum(new int[]{1}, true);
        NDArray tckd = zeroWhere(pt.eq(0), pt.mul(pt.log().sub(qt.log())))
                .add(zeroWhere(pr.eq(0), pr.mul(pr.log().sub(qr.log())))).sum();
        NDArray qHat = s.div(LossMath.like(s, t)).sub(target.mul(1000)).logSoftmax(1);
        NDArray pHatLogits = z.div(LossMath.like(z, t)).sub(target.mul(1000));
        NDArray pHat = pHatLogits.softmax(1);
        NDArray pHatLog = pHatLogits.logSoftmax(1);
        NDArray nckd = zeroWhere(pHat.eq(0), pHat.mul(pHatLog.sub(qHat))).sum();
        NDArray both = tckd.mul(LossMath.like(tckd, d.alpha())).add(nckd.mul(LossMath.like(nckd, d.beta())));
        return both.mul(LossMath.like(both, t * t));
    }

    /** {@code sum_rows KL(softmax(a) || softmax(b))}, 0 where the first is 0. */
    private static NDArray klSum(NDArray a, NDArray b) {
        NDArray p = a.softmax(1);
        return zeroWhere(p.eq(0), p.mul(a.logSoftmax(1).sub(b.logSoftmax(1)))).sum();
    }

    /** {@code KL(q || p)} per row, {@code [N, 1]}. */
    private static NDArray reverse(NDArray s, NDArray z) {
        NDArray logQ = s.logSoftmax(1);
        return logQ.exp().mul(logQ.sub(z.logSoftmax(1))).sum(new int[]{1}, true);
    }

    private static NDArray zeroWhere(NDArray condition, NDArray x) {
        return NDArrays.where(condition.logicalNot(), x, x.getManager().create(0f).toType(x.getDataType(), false));
    }
}
