package org.vlmdistill.datasets.hmm;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HiddenMarkovProcessTest {
    private final long seed = new Random().nextLong();

    @Test
    void everyTrueDistributionSumsToOneAndIsNonNegative() {
        HiddenMarkovProcess p = new HiddenMarkovProcess(HmmConfig.defaults(), seed);
        for (long i = 0; i < 200; i++) {
            double[][] rows = p.nextTokenDistributions(p.sample(i));
            for (double[] row : rows) {
                double sum = 0;
                for (double v : row) {
                    assertTrue(v >= 0, "seed " + seed);
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-12, "seed " + seed);
            }
        }
    }

    /**
     * E[1{x_t = v}] = E[p(v | x_<t)], and the differences 1{x_t = v} - p(v | x_<t) are martingale
     * differences, so over N sequences count(v at t) - sum p(v | x_<t) has variance sum p (1 - p): the
     * observed counts must sit within 5 such standard deviations of the truth's sums, at every position
     * and token (a test that the sampler and the forward filter describe the same process).
     */
    @Test
    void samplingFrequenciesMatchTheTruthAtEveryPosition() {
        HmmConfig c = HmmConfig.defaults();
        HiddenMarkovProcess p = new HiddenMarkovProcess(c, seed);
        int n = 5000;
        double[][] observed = new double[c.length()][c.vocabulary()];
        double[][] expected = new double[c.length()][c.vocabulary()];
        double[][] variance = new double[c.length()][c.vocabulary()];
        for (long i = 0; i < n; i++) {
            int[] x = p.sample(i);
            double[][] truth = p.nextTokenDistributions(x);
            for (int t = 0; t < x.length; t++) {
                observed[t][x[t]]++;
                for (int v = 0; v < c.vocabulary(); v++) {
                    expected[t][v] += truth[t][v];
                    variance[t][v] += truth[t][v] * (1 - truth[t][v]);
                }
            }
        }
        double chiSquare = 0;
        int cells = 0;
        for (int t = 0; t < c.length(); t++) {
            for (int v = 0; v < c.vocabulary(); v++) {
                double sd = Math.sqrt(variance[t][v]);
                assertTrue(Math.abs(observed[t][v] - expected[t][v]) <= 5 * sd + 1e-9,
                        "seed " + seed + " position " + t + " token " + v + ": observed " + observed[t][v]
                                + ", expected " + expected[t][v] + " +- " + sd);
                if (variance[t][v] > 0) {
                    chiSquare += Math.pow(observed[t][v] - expected[t][v], 2) / variance[t][v];
                    cells++;
                }
            }
        }
        // the sum of `cells` roughly unit-variance squares: mean cells, sd about sqrt(2 cells)
        assertTrue(chiSquare < cells + 6 * Math.sqrt(2.0 * cells), "seed " + seed + ": chi-square " + chiSquare
                + " over " + cells + " cells");
    }

    @Test
    void theTruthIsMultiModal() {
        HiddenMarkovProcess p = new HiddenMarkovProcess(HmmConfig.defaults(), seed);
        double entropy = 0;
        int rows = 0;
        int severalLikely = 0;
        for (long i = 0; i < 300; i++) {
            double[][] truth = p.nextTokenDistributions(p.sample(i));
            for (int t = p.config().promptTokens(); t < truth.length; t++) {
                entropy += HmmDataset.entropy(truth[t]);
                rows++;
                int likely = 0;
                for (double v : truth[t]) {
                    likely += v >= 0.1 ? 1 : 0;
                }
                severalLikely += likely >= 2 ? 1 : 0;
            }
        }
        // a deterministic continuation would give 0 nats; 16 equally likely tokens log 16 = 2.77
        assertTrue(entropy / rows > 1.0, "seed " + seed + ": mean entropy " + entropy / rows);
        assertTrue(severalLikely > 0.9 * rows, "seed " + seed + ": " + severalLikely + " of " + rows
                + " positions have two or more tokens at p >= 0.1");
    }

    /** P(x_<t, v) / P(x_<t), each summed over every state path: the filter's answer without the filter. */
    @Test
    void theForwardFilterAgreesWithBruteForceEnumeration() {
        for (HmmConfig c : new HmmConfig[]{new HmmConfig(5, 4, 2, 2, 2, 3), new HmmConfig(4, 6, 3, 4, 1, 4),
                new HmmConfig(24, 16, 2, 3, 1, 2)}) {
            HiddenMarkovProcess p = new HiddenMarkovProcess(c, seed);
            for (long i = 0; i < 5; i++) {
                int[] x = p.sample(i);
                double[][] filter = p.nextTokenDistributions(x);
                for (int t = 0; t < x.length; t++) {
                    int[] prefix = java.util.Arrays.copyOf(x, t + 1);
                    double before = joint(p, prefix, t);
                    for (int v = 0; v < c.vocabulary(); v++) {
                        prefix[t] = v;
                        assertEquals(joint(p, prefix, t + 1) / before, filter[t][v], 1e-12,
                                "seed " + seed + " " + c + " position " + t + " token " + v);
                    }
                }
            }
        }
    }

    /** P(x_0..x_{n-1}) by enumerating every state path of length n. */
    private static double joint(HiddenMarkovProcess p, int[] x, int n) {
        if (n == 0) {
            return 1;
        }
        double[] pi = p.initial();
        double[][] a = p.transition();
        double[][] b = p.emission();
        int k = pi.length;
        int[] path = new int[n];
        double total = 0;
        for (long code = 0; code < (long) Math.pow(k, n); code++) {
            long c = code;
            for (int t = 0; t < n; t++) {
                path[t] = (int) (c % k);
                c /= k;
            }
            double pr = pi[path[0]] * b[path[0]][x[0]];
            for (int t = 1; t < n && pr > 0; t++) {
                pr *= a[path[t - 1]][path[t]] * b[path[t]][x[t]];
            }
            total += pr;
        }
        return total;
    }

    @Test
    void theSameSeedGivesTheSameProcessAndSamples() {
        HiddenMarkovProcess a = new HiddenMarkovProcess(HmmConfig.defaults(), seed);
        HiddenMarkovProcess b = new HiddenMarkovProcess(HmmConfig.defaults(), seed);
        HiddenMarkovProcess other = new HiddenMarkovProcess(HmmConfig.defaults(), seed + 1);
        assertArrayEquals(a.emission(), b.emission());
        assertArrayEquals(a.sample(17), b.sample(17));
        assertFalse(java.util.Arrays.deepEquals(a.emission(), other.emission()));
    }

    @Test
    void anImpossibleTokenIsNamed() {
        HiddenMarkovProcess p = new HiddenMarkovProcess(new HmmConfig(2, 8, 1, 1, 1, 2), seed);
        double[] first = p.nextTokenDistributions(new int[]{p.sample(0)[0]})[0];
        int impossible = 0;
        while (first[impossible] > 0) {
            impossible++;
        }
        int token = impossible;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.nextTokenDistributions(new int[]{token}));
        assertTrue(e.getMessage().contains("token " + token + " at position 0"), e.getMessage());
    }
}
