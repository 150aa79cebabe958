package org.vlmdistill.datasets.hmm;

import org.vlmdistill.core.random.SplitMix64;

import java.util.ArrayList;
import java.util.List;

/**
 * A seeded hidden Markov process over {@link HmmConfig#vocabulary()} tokens whose next-token distribution
 * is known exactly. With pi the initial state distribution (uniform), A[i][j] = P(s_{t+1} = j | s_t = i)
 * and B[k][v] = P(x_t = v | s_t = k), the truth at position t is
 * <pre>
 *   p(x_t = v | x_&lt;t) = sum_k alpha_t(k) B[k][v],   alpha_0 = pi,
 *   alpha_{t+1}(j) = sum_k [alpha_t(k) B[k][x_t] / sum_k' alpha_t(k') B[k'][x_t]] A[k][j]
 * </pre>
 * (the forward filter, normalized at each step so it does not underflow). Immutable; the same seed gives
 * the same process and the same samples on every JDK ({@link SplitMix64}).
 */
public final class HiddenMarkovProcess {
    private final HmmConfig config;
    private final long seed;
    private final double[] initial;
    private final double[][] transition;
    private final double[][] emission;

    public HiddenMarkovProcess(HmmConfig config, long seed) {
        this.config = config;
        this.seed = seed;
        SplitMix64 r = new SplitMix64(seed);
        int k = config.states();
        initial = new double[k];
        java.util.Arrays.fill(initial, 1.0 / k);
        transition = new double[k][];
        emission = new double[k][];
        for (int s = 0; s < k; s++) {
            transition[s] = sparseRow(r, k, config.successors());
            emission[s] = sparseRow(r, config.vocabulary(), config.emissions());
        }
    }

    /** {@code n} distinct entries of {@code size}, weights uniform in [0.2, 1) then normalized; the rest 0. */
    private static double[] sparseRow(SplitMix64 r, int size, int n) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            all.add(i);
        }
        r.shuffle(all);
        double[] row = new double[size];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double w = 0.2 + 0.8 * r.nextDouble();
            row[all.get(i)] = w;
            sum += w;
        }
        for (int i = 0; i < size; i++) {
            row[i] /= sum;
        }
        return row;
    }

    public HmmConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    /** pi: a copy. */
    public double[] initial() {
        return initial.clone();
    }

    /** A[i][j]: a copy. */
    public double[][] transition() {
        return deepCopy(transition);
    }

    /** B[k][v]: a copy. */
    public double[][] emission() {
        return deepCopy(emission);
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /**
     * Sequence {@code index} ({@link HmmConfig#length()} tokens): drawn from its own stream, seeded by the
     * process's seed and the index, so that a sequence does not depend on how many were drawn before it.
     */
    public int[] sample(long index) {
        SplitMix64 r = new SplitMix64(SplitMix64.mix(seed ^ SplitMix64.mix(index + 1)));
        int[] x = new int[config.length()];
        int s = draw(r, initial);
        for (int t = 0; t < x.length; t++) {
            x[t] = draw(r, emission[s]);
            s = draw(r, transition[s]);
        }
        return x;
    }

    /** Inverse CDF of one uniform draw; the last index with positive weight if rounding leaves u above the sum. */
    private static int draw(SplitMix64 r, double[] p) {
        double u = r.nextDouble();
        double c = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                c += p[i];
                last = i;
                if (u < c) {
                    return i;
                }
            }
        }
        return last;
    }

    /**
     * The true next-token distributions of {@code tokens}: row t is p(x_t | x_&lt;t) over the vocabulary
     * (row 0 the marginal of the first token), {@code [tokens.length][V]}, by the forward filter.
     *
     * @throws IllegalArgumentException if a token is outside the vocabulary or has probability 0 under the
     *                                  process given the tokens before it
     */
    public double[][] nextTokenDistributions(int[] tokens) {
        int k = config.states();
        int v = config.vocabulary();
        double[] alpha = initial.clone();
        double[][] out = new double[tokens.length][v];
        for (int t = 0; t < tokens.length; t++) {
            for (int s = 0; s < k; s++) {
                if (alpha[s] == 0) {
                    continue;
                }
                for (int w = 0; w < v; w++) {
                    out[t][w] += alpha[s] * emission[s][w];
                }
            }
            int x = tokens[t];
            if (x < 0 || x >= v || out[t][x] == 0) {
                throw new IllegalArgumentException("token " + x + " at position " + t
                        + " is impossible under the process (seed " + seed + ")");
            }
            double[] next = new double[k];
            for (int s = 0; s < k; s++) {
                double post = alpha[s] * emission[s][x] / out[t][x]; // P(s_t = s | x_<=t)
                if (post == 0) {
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    next[j] += post * transition[s][j];
                }
            }
            alpha = next;
        }
        return out;
    }

    /** The token's word: {@code w00}, {@code w01}, ... (one WordLevel token each). */
    public static String word(int token) {
        return String.format(java.util.Locale.ROOT, "w%02d", token);
    }

    /** All {@code vocabulary} words in token order. */
    public static List<String> words(int vocabulary) {
        List<String> w = new ArrayList<>(vocabulary);
        for (int i = 0; i < vocabulary; i++) {
            w.add(word(i));
        }
        return List.copyOf(w);
    }
}
