package org.vlmdistill.decoder.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row's logits on the CPU: argmax, or transformers' warpers in their
 * order (temperature, top-k, top-p) then a draw from the softmax.
 */
final class Sampler {
    private final GenerationSettings settings;
    private final SplittableRandom random;

    Sampler(GenerationSettings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    int next(float[] logits) {
        return settings.doSample() ? sample(logits) : argmax(logits);
    }

    /** The first index of the largest value, as torch.argmax. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int sample(float[] logits) {
        double[] scores = warp(logits, settings.temperature(), settings.topK(), settings.topP());
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        double[] p = new double[scores.length];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(scores[i] - max);
            total += p[i];
        }
        double u = random.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                last = i;
                u -= p[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    /** The warped scores, -inf where a token is removed. */
    static double[] warp(float[] logits, double temperature, int topK, double topP) {
        int n = logits.length;
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            scores[i] = logits[i] / temperature;
        }
        if (topK > 0 && topK < n) {
            // TopKLogitsWarper: remove scores < the k-th largest (ties with it stay)
            double[] sorted = scores.clone();
            Arrays.sort(sorted);
            double kth = sorted[n - topK];
            for (int i = 0; i < n; i++) {
                if (scores[i] < kth) {
                    scores[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        if (topP < 1.0) {
            // TopPLogitsWarper: sort ascending, remove while the cumulative probability <= 1 - top_p,
            // always keeping the most likely token
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            double[] s = scores;
            Arrays.sort(order, (a, b) -> Double.compare(s[a], s[b]));
            double max = s[order[n - 1]];
            double total = 0;
            for (double v : s) {
                total += Math.exp(v - max);
            }
            double cumulative = 0;
            for (int r = 0; r < n - 1; r++) {
                int i = order[r];
                cumulative += Math.exp(s[i] - max) / total;
                if (cumulative <= 1 - topP) {
                    scores[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        return scores;
    }
}
