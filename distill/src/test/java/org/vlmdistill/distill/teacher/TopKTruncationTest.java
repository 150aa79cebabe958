package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The truncation rule by hand on small vocabularies, then its properties on random rows, both paths. */
class TopKTruncationTest {

    private static float[] logOf(double... p) {
        float[] z = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            z[i] = (float) Math.log(p[i]);
        }
        return z;
    }

    private static void assertKept(TopKTruncation.Kept kept, int[] ids, double... q) {
        assertArrayEquals(ids, kept.ids());
        assertEquals(q.length, kept.logProbs().length);
        for (int i = 0; i < q.length; i++) {
            assertEquals(Math.log(q[i]), kept.logProbs()[i], 1e-6, "log q of token " + ids[i]);
        }
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // p = .05 .5 .15 .3: sorted 1 (.5), 3 (.8), 2 (.95) reaches .9; renormalized over .95
        TopKTruncation.Kept k = new TopKTruncation(0.9, 50, 1).truncate(logOf(0.05, 0.5, 0.15, 0.3));
        assertKept(k, new int[] {1, 3, 2}, 0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95);
    }

    @Test
    void topKCutsThePrefix() {
        TopKTruncation.Kept k = new TopKTruncation(0.95, 2, 1).truncate(logOf(0.1, 0.4, 0.2, 0.3));
        assertKept(k, new int[] {1, 3}, 0.4 / 0.7, 0.3 / 0.7);
    }

    @Test
    void atLeastOneTokenIsKept() {
        TopKTruncation.Kept k = new TopKTruncation(0.01, 50, 1).truncate(logOf(0.3, 0.4, 0.3));
        assertKept(k, new int[] {1}, 1.0);
    }

    @Test
    void temperatureDividesTheLogitsFirst() {
        // z = (4, 2, 0), tau 2: s = (2, 1, 0), p = e^s / (e^2 + e + 1) = .665 .245 .090
        double denominator = Math.exp(2) + Math.exp(1) + 1;
        TopKTruncation.Kept k = new TopKTruncation(0.8, 50, 2).truncate(new float[] {4, 2, 0});
        assertKept(k, new int[] {0, 1}, Math.exp(2) / (Math.exp(2) + Math.exp(1)), Math.exp(1) / (Math.exp(2) + Math.exp(1)));
        // at tau 1 the first token alone has e^4 / (e^4 + e^2 + 1) = .867 >= .8
        assertKept(new TopKTruncation(0.8, 50, 1).truncate(new float[] {4, 2, 0}), new int[] {0}, 1.0);
        assertTrue(Math.exp(2) / denominator < 0.8);
    }

    @Test
    void tiesGoToTheLowerIdFirst() {
        // ids 1 and 2 tie at p = e^3 / (e + 2 e^3 + 1) = .458 each
        float[] z = {1, 3, 3, 0};
        assertKept(new TopKTruncation(0.4, 50, 1).truncate(z), new int[] {1}, 1.0);
        assertKept(new TopKTruncation(0.5, 50, 1).truncate(z), new int[] {1, 2}, 0.5, 0.5);
        assertKept(new TopKTruncation(0.99, 1, 1).truncate(z), new int[] {1}, 1.0);
        float[] flat = new float[10];
        assertArrayEquals(new int[] {0, 1, 2}, new TopKTruncation(0.25, 50, 1).truncate(flat).ids());
    }

    @Test
    void minusInfinityIsNeverKeptAndNaNIsRefused() {
        float ninf = Float.NEGATIVE_INFINITY;
        assertKept(new TopKTruncation(1.0, 3, 1).truncate(new float[] {ninf, 0, ninf}), new int[] {1}, 1.0);
        assertThrows(IllegalArgumentException.class, () -> TopKTruncation.defaults().truncate(new float[] {0, Float.NaN}));
        assertThrows(IllegalArgumentException.class, () -> new TopKTruncation(0, 50, 1));
        assertThrows(IllegalArgumentException.class, () -> new TopKTruncation(0.9, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new TopKTruncation(0.9, 50, 0));
    }

    @Test
    void randomRowsKeepTheTopPrefixRenormalized() {
        Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int v = 1 + random.nextInt(600);
            double topP = 0.05 + 0.95 * random.nextDouble();
            int topK = 1 + random.nextInt(80);
            double tau = 0.3 + 3 * random.nextDouble();
            float[] z = randomRow(random, v);
            TopKTruncation rule = new TopKTruncation(topP, topK, tau);
            checkProperties(rule, z, rule.truncate(z));
        }
    }

    @Test
    void theDevicePathAgreesWithTheRowPathIncludingTiesAtTheCut() {
        Random random = new Random(5);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int trial = 0; trial < 40; trial++) {
                int n = 1 + random.nextInt(70);
                int v = 1 + random.nextInt(400);
                TopKTruncation rule = new TopKTruncation(0.3 + 0.7 * random.nextDouble(), 1 + random.nextInt(40),
                        0.5 + random.nextDouble());
                float[] flat = new float[n * v];
                for (int r = 0; r < n; r++) {
                    float[] row = randomRow(random, v);
                    if (trial % 2 == 0) {
                        // bf16-like coarse logits: many exact ties, some at the top-k boundary
                        for (int i = 0; i < v; i++) {
                            row[i] = Math.round(row[i] * 2) / 2f;
                        }
                    }
                    System.arraycopy(row, 0, flat, r * v, v);
                }
                try (NDArray logits = manager.create(flat, new Shape(n, v))) {
                    TopKTruncation.Kept[] onDevice = rule.truncate(logits);
                    for (int r = 0; r < n; r++) {
                        float[] row = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
                        TopKTruncation.Kept expected = rule.truncate(row);
                        assertArrayEquals(expected.ids(), onDevice[r].ids(), "trial " + trial + " row " + r);
                        assertArrayEquals(expected.logProbs(), onDevice[r].logProbs(), 1e-6f);
                        checkProperties(rule, row, onDevice[r]);
                    }
                }
            }
        }
    }

    @Test
    void aFullQwenSizedRowKeepsItsTopPrefix() {
        // correctness at the real size (the selection, not a sort, must find the same prefix);
        // speed is a benchmark's business, not a test's
        Random random = new Random(3);
        float[] z = randomRow(random, 151_936);
        TopKTruncation rule = TopKTruncation.defaults();
        checkProperties(rule, z, rule.truncate(z));
    }

    private static float[] randomRow(Random random, int v) {
        double scale = 0.5 + 8 * random.nextDouble();
        float[] z = new float[v];
        for (int i = 0; i < v; i++) {
            z[i] = (float) (random.nextGaussian() * scale);
        }
        return z;
    }

    /** Renormalized, the top by (s desc, id asc), and the smallest prefix reaching top-p unless cut at top-k. */
    private static void checkProperties(TopKTruncation rule, float[] z, TopKTruncation.Kept kept) {
        float tau = (float) rule.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x / tau);
        }
        double sum = 0;
        for (float x : z) {
            sum += Math.exp(x / tau - max);
        }
        double lse = max + Math.log(sum);
        Integer[] order = IntStream.range(0, z.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -(z[i] / tau)).thenComparingInt(i -> i));
        int count = kept.count();
        double keptMass = 0;
        for (int i = 0; i < count; i++) {
            assertEquals(order[i], kept.ids()[i], "kept token " + i);
            keptMass += Math.exp(kept.logProbs()[i]);
        }
        assertEquals(1.0, keptMass, 1e-5, "kept probabilities renormalize to 1");
        double cumulative = 0;
        for (int i = 0; i < count - 1; i++) {
            cumulative += Math.exp(z[order[i]] / tau - lse);
        }
        assertTrue(cumulative < rule.topP(), "a shorter prefix already reached top-p: " + cumulative);
        double all = cumulative + Math.exp(z[order[count - 1]] / tau - lse);
        assertTrue(all >= rule.topP() - 1e-12 || count == Math.min(rule.topK(), z.length),
                "stopped at " + count + " below top-p: " + all);
        for (int i = 1; i < count; i++) {
            assertEquals(z[kept.ids()[0]] / tau - z[kept.ids()[i]] / tau,
                    kept.logProbs()[0] - kept.logProbs()[i], 1e-4, "log-prob differences are logit differences");
        }
    }
}
