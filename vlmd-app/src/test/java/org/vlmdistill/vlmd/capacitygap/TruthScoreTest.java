package org.vlmdistill.vlmd.capacitygap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.datasets.hmm.HiddenMarkovProcess;
import org.vlmdistill.datasets.hmm.HmmConfig;
import org.vlmdistill.datasets.hmm.HmmDataset;
import org.vlmdistill.tiny.TinyModels;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TruthScoreTest {
    private final long seed = new Random().nextLong();
    private final Random random = new Random(seed);

    /** Random truths over 16 words placed at random ids of a 29-id vocabulary. */
    private double[][] truths(int n, int words) {
        HiddenMarkovProcess p = new HiddenMarkovProcess(HmmConfig.defaults(), seed);
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            double[][] rows = p.nextTokenDistributions(p.sample(i));
            out[i] = rows[random.nextInt(rows.length)];
            assertEquals(words, out[i].length);
        }
        return out;
    }

    private int[] ids(int words, int vocab) {
        List<Integer> all = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, vocab).boxed().toList());
        java.util.Collections.shuffle(all, random);
        return all.subList(0, words).stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void aModelWhoseLogitsAreTheTruthsLogScoresTheEntropyAndAlwaysTheTop1() {
        int vocab = 29;
        int[] ids = ids(16, vocab);
        TruthScore.Tally tally = new TruthScore.Tally();
        double entropy = 0;
        double[][] truths = truths(200, 16);
        for (double[] p : truths) {
            float[] logProbs = new float[vocab];
            java.util.Arrays.fill(logProbs, Float.NEGATIVE_INFINITY); // q = 0 off the words, and where p = 0
            for (int w = 0; w < p.length; w++) {
                logProbs[ids[w]] = (float) Math.log(p[w]);
            }
            tally.add(p, logProbs, ids);
            entropy += HmmDataset.entropy(p);
        }
        TruthScore s = tally.score();
        assertEquals(entropy / truths.length, s.entropy(), 1e-12, "seed " + seed);
        // log q is rounded to float: CE - H is within float rounding of 0
        assertEquals(s.entropy(), s.crossEntropy(), 1e-6, "seed " + seed);
        assertEquals(0, s.kl(), 1e-6, "seed " + seed);
        assertEquals(1.0, s.top1(), 0.0, "seed " + seed);
        assertEquals(200, s.positions());
    }

    @Test
    void aUniformModelScoresLogV() {
        int vocab = 29;
        int[] ids = ids(16, vocab);
        TruthScore.Tally tally = new TruthScore.Tally();
        float[] uniform = new float[vocab];
        java.util.Arrays.fill(uniform, (float) -Math.log(vocab));
        for (double[] p : truths(50, 16)) {
            tally.add(p, uniform, ids);
        }
        assertEquals(Math.log(vocab), tally.score().crossEntropy(), 1e-6, "seed " + seed);
    }

    /**
     * The whole path (records, the tokenizer, evaluation's forward): a Llama whose lm_head is zero gives
     * equal logits everywhere, so its CE is log V of its vocabulary whatever the truth.
     */
    @Test
    void aLlamaWithAZeroHeadScoresLogVThroughTheForward(@TempDir Path tmp) throws Exception {
        HmmConfig c = HmmConfig.defaults();
        HmmDataset.write(tmp.resolve("data"), 0, 12, seed, c);
        List<String> words = TinyModels.vocabulary(HiddenMarkovProcess.words(c.vocabulary()));
        Path random = TinyModels.llama(tmp.resolve("random"), seed, 16, 1, words);
        ComputePolicy fp32 = ComputePolicy.of(Map.of("dtype", "fp32", "device", "cpu"));
        Path zero = tmp.resolve("zero");
        try (Model m = Models.load(random, fp32)) {
            for (Parameter p : m.parameters().list()) {
                if (p.name().equals("lm_head.weight")) {
                    p.array().muli(0);
                }
            }
            ModelWriter.save(m, zero);
        }
        TruthScore.Scored s = TruthScore.of(zero, tmp.resolve("data"), fp32);
        int vocab = TinyModels.SPECIAL.size() + words.size();
        assertEquals(12L * c.continuationTokens(), s.score().positions());
        assertEquals(Math.log(vocab), s.score().crossEntropy(), 1e-5);
        // a random model scores worse than the truth, never better
        TruthScore.Scored r = TruthScore.of(random, tmp.resolve("data"), fp32);
        assertTrue(r.score().crossEntropy() > r.score().entropy(), r.toString());
        assertEquals(s.score().entropy(), r.score().entropy(), 1e-12);
        assertTrue(r.parameters() > 0);
    }
}
