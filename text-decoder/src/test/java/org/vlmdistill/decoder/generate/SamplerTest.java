package org.vlmdistill.decoder.generate;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warpers against their definitions, on fresh random logits. */
class SamplerTest {

    @Test
    void topKKeepsTheKLargestAndTopPTheSmallestSetReachingP() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 200; trial++) {
            int n = random.nextInt(2, 40);
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) {
                logits[i] = (float) (random.nextGaussian() * 3);
            }
            String what = "seed " + seed + ", trial " + trial;
            int k = random.nextInt(1, n + 1);
            double[] topK = Sampler.warp(logits, 1.0, k, 1.0);
            int kept = 0;
            for (double s : topK) {
                kept += s > Double.NEGATIVE_INFINITY ? 1 : 0;
            }
            assertEquals(k, kept, what + ": top_k " + k);

            double p = random.nextDouble();
            double temperature = 0.5 + random.nextDouble();
            double[] topP = Sampler.warp(logits, temperature, 0, p);
            // probabilities after temperature
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l / temperature);
            }
            double[] prob = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                prob[i] = Math.exp(logits[i] / temperature - max);
                total += prob[i];
            }
            double keptMass = 0;
            double smallestKept = Double.POSITIVE_INFINITY;
            double largestDropped = 0;
            int keptCount = 0;
            for (int i = 0; i < n; i++) {
                prob[i] /= total;
                if (topP[i] > Double.NEGATIVE_INFINITY) {
                    keptMass += prob[i];
                    smallestKept = Math.min(smallestKept, prob[i]);
                    keptCount++;
                } else {
                    largestDropped = Math.max(largestDropped, prob[i]);
                }
            }
            assertTrue(keptCount >= 1, what);
            assertTrue(keptMass >= p - 1e-9, what + ": kept mass " + keptMass + " < top_p " + p);
            assertTrue(largestDropped <= smallestKept, what + ": dropped a likelier token than one kept");
            assertTrue(keptMass - smallestKept < p + 1e-9 || keptCount == 1, what + ": the set is not the smallest");
        }
    }

    @Test
    void samplesFollowTheDistribution() {
        float[] logits = {0f, (float) Math.log(3)}; // p = 1/4, 3/4
        GenerationSettings s = GenerationSettings.greedy(1, java.util.List.of()).withSampling(1.0, 0, 1.0).withSeed(5);
        Sampler sampler = new Sampler(s);
        int ones = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            ones += sampler.next(logits);
        }
        assertEquals(0.75, (double) ones / n, 0.015);
    }
}
