package org.vlmdistill.distill.loss;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The losses' formulas per row in plain Java doubles, written from docs/methods.md and not
 * from the implementation. {@link Frozen} holds what the method treats as a constant (TAID's
 * target, Adaptive KL's weights), taken at the point where the gradient is wanted, so finite
 * differences of {@link #row} are the gradient the closed forms claim.
 */
final class Reference {
    private Reference() {
    }

    /** Constants of the gradient: TAID's p_t, Adaptive KL's weights. */
    record Frozen(double[] taidTarget, double[] aklWeights) {
    }

    static double[] logSoftmax(double[] x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            m = Math.max(m, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - m);
        }
        double lse = m + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - lse;
        }
        return out;
    }

    static double[] softmax(double[] x) {
        return Arrays.stream(logSoftmax(x)).map(Math::exp).toArray();
    }

    static double[] scale(double[] x, double c) {
        return Arrays.stream(x).map(v -> v * c).toArray();
    }

    /** {@code sum p (log p - log q)} over p > 0. */
    static double kl(double[] p, double[] q) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                s += p[i] * (Math.log(p[i]) - Math.log(q[i]));
            }
        }
        return s;
    }

    static Frozen freeze(DistillationLoss loss, double[] s, double[] z) {
        double[] target = null;
        double[] weights = null;
        if (loss instanceof Taid taid) {
            double t = taid.t();
            double[] mix = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                mix[i] = (1 - t) * s[i] + t * z[i];
            }
            target = softmax(mix);
        }
        if (loss instanceof AdaptiveKl akl) {
            double[] p = softmax(z);
            double[] q = softmax(s);
            Integer[] order = IntStream.range(0, p.length).boxed().sorted(Comparator.comparingDouble(i -> -p[i]))
                    .toArray(Integer[]::new);
            double cum = 0;
            double head = 0;
            double tail = 0;
            for (int k = 0; k < order.length; k++) {
                int i = order[k];
                cum += p[i];
                double err = Math.abs(p[i] - q[i]);
                if (k == 0 || cum <= akl.mu()) {
                    head += err;
                } else {
                    tail += err;
                }
            }
            weights = new double[]{head / (head + tail), tail / (head + tail)};
        }
        return new Frozen(target, weights);
    }

    /** One row's loss; theta is CTKD's temperature logit (ignored by the rest). */
    static double row(DistillationLoss loss, double[] s, double[] z, int y, Frozen frozen, double theta) {
        int v = s.length;
        double[] q = softmax(s);
        double[] p = softmax(z);
        switch (loss) {
            case Taid taid -> {
                double sum = 0;
                double[] logQ = logSoftmax(s);
                for (int i = 0; i < v; i++) {
                    if (frozen.taidTarget()[i] > 0) {
                        sum -= frozen.taidTarget()[i] * logQ[i];
                    }
                }
                return sum;
            }
            case ForwardKl f -> {
                // the cross entropy T^2 H(p_T, q_T), as the official TAID code's forward_kl reports it
                double t = f.temperature();
                double[] pT = softmax(scale(z, 1 / t));
                double[] logQT = logSoftmax(scale(s, 1 / t));
                double sum = 0;
                for (int i = 0; i < v; i++) {
                    if (pT[i] > 0) {
                        sum -= pT[i] * logQT[i];
                    }
                }
                return t * t * sum;
            }
            case ReverseKl r -> {
                return kl(q, p);
            }
            case TotalVariation tvd -> {
                double sum = 0;
                for (int i = 0; i < v; i++) {
                    sum += Math.abs(p[i] - q[i]);
                }
                return 0.5 * sum;
            }
            case SkewKl k -> {
                double a = k.alpha();
                double sum = 0;
                for (int i = 0; i < v; i++) {
                    if (p[i] > 0) {
                        sum -= p[i] * Math.log(a * p[i] + (1 - a) * q[i]);
                    }
                }
                return sum;
            }
            case SkewReverseKl k -> {
                double a = k.alpha();
                double sum = 0;
                for (int i = 0; i < v; i++) {
                    sum += q[i] * (Math.log(q[i]) - Math.log((1 - a) * p[i] + a * q[i]));
                }
                return sum;
            }
            case GeneralizedJsd j -> {
                double b = j.beta();
                if (b == 0) {
                    return kl(p, q);
                }
                if (b == 1) {
                    return kl(q, p);
                }
                double[] m = new double[v];
                for (int i = 0; i < v; i++) {
                    m[i] = b * p[i] + (1 - b) * q[i];
                }
                return b * kl(p, m) + (1 - b) * kl(q, m);
            }
            case AdaptiveKl a -> {
                return frozen.aklWeights()[0] * kl(p, q) + frozen.aklWeights()[1] * kl(q, p);
            }
            case Ctkd c -> {
                double t = 1 + 20 / (1 + Math.exp(-theta));
                return t * t * kl(softmax(scale(z, 1 / t)), softmax(scale(s, 1 / t)));
            }
            case Dkd d -> {
                double t = d.temperature();
                double[] qt = softmax(scale(s, 1 / t));
                double[] pt = softmax(scale(z, 1 / t));
                double tckd = 0;
                if (pt[y] > 0) {
                    tckd += pt[y] * Math.log(pt[y] / qt[y]);
                }
                if (pt[y] < 1) {
                    tckd += (1 - pt[y]) * Math.log((1 - pt[y]) / (1 - qt[y]));
                }
                double[] pHat = new double[v];
                double[] qHat = new double[v];
                for (int i = 0; i < v; i++) {
                    if (i != y) {
                        pHat[i] = pt[i] / (1 - pt[y]);
                        qHat[i] = qt[i] / (1 - qt[y]);
                    }
                }
                double nckd = pt[y] < 1 ? kl(pHat, qHat) : 0;
                return t * t * (d.alpha() * tckd + d.beta() * nckd);
            }
            case Sft sft -> {
                return -logSoftmax(s)[y];
            }
            default -> throw new IllegalArgumentException(loss.name());
        }
    }
}
