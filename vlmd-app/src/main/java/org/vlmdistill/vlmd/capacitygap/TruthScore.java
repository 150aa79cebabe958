package org.vlmdistill.vlmd.capacitygap;

import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.hmm.HmmDataset;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.eval.run.EvalModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A model scored against the true next-token distribution, averaged over every scored position (every
 * continuation token of every held-out record):
 * <pre>
 *   CE   = -sum_v p_true(v) log q(v)      q: the model's softmax over its whole vocabulary
 *   H    = -sum_v p_true(v) log p_true(v) the floor: CE >= H, equal only when q = p_true on the words
 *   KL   = CE - H = KL(p_true || q)
 *   top1 = share of positions where argmax q is the truth's most likely word
 * </pre>
 * in nats. {@link #of} runs the model through evaluation's teacher-forced forward
 * ({@link EvalModel#answerLogProbs}), the one forward the toolkit scores with.
 */
public record TruthScore(double crossEntropy, double entropy, double top1, long positions) {
    public double kl() {
        return crossEntropy - entropy;
    }

    /** Sums over positions; {@link #score()} averages them. Not thread-safe. */
    public static final class Tally {
        private double crossEntropy;
        private double entropy;
        private long top1;
        private long positions;

        /**
         * One position: {@code truth[w]} the true probability of word w, {@code logProbs} the model's
         * log-softmax over its vocabulary, {@code ids[w]} word w's id in that vocabulary.
         */
        public void add(double[] truth, float[] logProbs, int[] ids) {
            if (truth.length != ids.length) {
                throw new IllegalArgumentException(truth.length + " probabilities for " + ids.length + " word ids");
            }
            double ce = 0;
            int best = 0;
            for (int w = 0; w < truth.length; w++) {
                if (truth[w] > 0) { // 0 log q = 0, also where q = 0
                    ce -= truth[w] * logProbs[ids[w]];
                }
                best = truth[w] > truth[best] ? w : best;
            }
            int argmax = 0;
            for (int v = 1; v < logProbs.length; v++) {
                argmax = logProbs[v] > logProbs[argmax] ? v : argmax;
            }
            crossEntropy += ce;
            entropy += HmmDataset.entropy(truth);
            top1 += argmax == ids[best] ? 1 : 0;
            positions++;
        }

        public TruthScore score() {
            if (positions == 0) {
                throw new IllegalStateException("no position scored");
            }
            return new TruthScore(crossEntropy / positions, entropy / positions, (double) top1 / positions, positions);
        }
    }

    /** A model's score and its parameter count. */
    public record Scored(TruthScore score, long parameters) {
    }

    /**
     * Scores the model in {@code modelDir} on {@code dataDir}'s held-out records ({@link HmmDataset#TEST_JSONL})
     * against {@link HmmDataset#TEST_TRUTH}: each record teacher-forced through the model, the log-softmax
     * at each continuation token's position (the assistant turn's labels before its end-of-turn token)
     * compared with that position's truth.
     *
     * @throws IOException              naming a file that cannot be read
     * @throws IllegalArgumentException when a record's labels are not its continuation's words (the
     *                                  model's tokenizer splits the words differently), or the truth has
     *                                  no row for a record
     */
    public static Scored of(Path modelDir, Path dataDir, ComputePolicy policy) throws IOException {
        HmmDataset.Truth truth = HmmDataset.Truth.read(dataDir.resolve(HmmDataset.TEST_TRUTH));
        Tally tally = new Tally();
        try (EvalModel model = EvalModel.open(modelDir, policy);
             RecordReader reader = Readers.open(List.of(dataDir.resolve(HmmDataset.TEST_JSONL)), ReaderOptions.DEFAULTS)) {
            int[] ids = new int[truth.words().size()];
            for (int w = 0; w < ids.length; w++) {
                String word = truth.words().get(w);
                ids[w] = Math.toIntExact(model.samples().tokenId(word).orElseThrow(() -> new IllegalArgumentException(
                        modelDir + ": the tokenizer has no token '" + word + "'")));
            }
            List<ModelInput> batch = new ArrayList<>();
            Optional<Record> r;
            while ((r = reader.next()).isPresent()) {
                batch.add(model.samples().input(Conversation.of(r.get()), ConversationImages.NONE));
                if (batch.size() == BATCH) {
                    add(tally, model, batch, truth, ids);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                add(tally, model, batch, truth, ids);
            }
            return new Scored(tally.score(), model.model().parameters().elements());
        }
    }

    private static final int BATCH = 64;

    private static void add(Tally tally, EvalModel model, List<ModelInput> batch, HmmDataset.Truth truth, int[] ids) {
        List<float[][]> logProbs = model.answerLogProbs(batch, Integer.MAX_VALUE);
        for (int b = 0; b < batch.size(); b++) {
            ModelInput in = batch.get(b);
            double[][] rows = truth.records().get(in.id());
            if (rows == null) {
                throw new IllegalArgumentException("the truth has no record " + in.id());
            }
            int[] labels = in.answerTokens();
            if (labels.length < rows.length) {
                throw new IllegalArgumentException("record " + in.id() + ": " + labels.length + " labelled tokens for "
                        + rows.length + " continuation tokens");
            }
            float[][] lp = logProbs.get(b);
            for (int j = 0; j < rows.length; j++) {
                int label = labels[j];
                boolean known = false;
                for (int id : ids) {
                    known |= id == label;
                }
                if (!known) {
                    throw new IllegalArgumentException("record " + in.id() + ": labelled token " + j + " is id " + label
                            + " (" + model.samples().tokenString(label) + "), not one of the set's words");
                }
                tally.add(rows[j], lp[j], ids);
            }
        }
    }
}
