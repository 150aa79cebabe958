package org.vlmdistill.datasets.hmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.vlmdistill.core.io.AtomicFiles.Durability.NO_SYNC;

/**
 * A text-only set drawn from a {@link HiddenMarkovProcess}, with the truth for its held-out part. Files
 * under the directory:
 * <pre>
 *   train.jsonl       LLaVA conversations, no image: user turn the prompt tokens ("w03 w11 w07"),
 *                     assistant turn the continuation ("w02 w15 ..."), so assistant-only labels cover
 *                     exactly the continuation (and the end-of-turn token after it)
 *   test.jsonl        the held-out records, the same way
 *   test_truth.json   per held-out record: its tokens and, per continuation token, the true next-token
 *                     distribution p(x_t | x_&lt;t) over the words (row j: continuation token j)
 * </pre>
 */
public final class HmmDataset {
    public static final String TRAIN_JSONL = "train.jsonl";
    public static final String TEST_JSONL = "test.jsonl";
    public static final String TEST_TRUTH = "test_truth.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private HmmDataset() {
    }

    /** What {@link #write} wrote: the split sizes and the held-out truth's mean entropy per continuation token. */
    public record Summary(Path dir, long seed, int train, int test, double truthEntropy) {
    }

    /** Record {@code index}'s id: {@code hmm-000042}. */
    public static String id(long index) {
        return String.format(java.util.Locale.ROOT, "hmm-%06d", index);
    }

    /**
     * Writes {@code nTrain} training records (sequences 0..nTrain-1) and {@code nTest} held-out records
     * (the next ones) of the process {@code (config, seed)}, and the held-out truth; files of an earlier
     * run are replaced.
     */
    public static Summary write(Path dir, int nTrain, int nTest, long seed, HmmConfig config) throws IOException {
        if (nTrain < 0 || nTest < 0 || nTrain + nTest == 0) {
            throw new IllegalArgumentException("need a non-negative number of records per split and at least one, got "
                    + nTrain + " train and " + nTest + " test");
        }
        HiddenMarkovProcess process = new HiddenMarkovProcess(config, seed);
        Files.createDirectories(dir);
        ObjectNode truth = JSON.createObjectNode();
        truth.put("seed", seed);
        truth.set("config", JSON.valueToTree(config));
        ArrayNode words = truth.putArray("words");
        HiddenMarkovProcess.words(config.vocabulary()).forEach(words::add);
        truth.put("rows", "per record, one row per continuation token j: p(x_t = word | x_<t) at t = prompt_tokens + j");
        ArrayNode records = truth.putArray("records");
        double entropy = 0;
        long positions = 0;
        try (AtomicFiles.TextFile train = AtomicFiles.openText(dir.resolve(TRAIN_JSONL), NO_SYNC);
             AtomicFiles.TextFile test = AtomicFiles.openText(dir.resolve(TEST_JSONL), NO_SYNC)) {
            for (long i = 0; i < (long) nTrain + nTest; i++) {
                int[] x = process.sample(i);
                boolean held = i >= nTrain;
                (held ? test : train).writeLine(JSON.writeValueAsString(llavaLine(id(i), x, config)));
                if (held) {
                    double[][] p = process.nextTokenDistributions(x);
                    ObjectNode r = records.addObject();
                    r.put("id", id(i));
                    ArrayNode tokens = r.putArray("tokens");
                    Arrays.stream(x).forEach(tokens::add);
                    ArrayNode rows = r.putArray("truth");
                    for (int t = config.promptTokens(); t < x.length; t++) {
                        ArrayNode row = rows.addArray();
                        Arrays.stream(p[t]).forEach(row::add);
                        entropy += entropy(p[t]);
                        positions++;
                    }
                }
            }
            train.commit();
            test.commit();
        }
        AtomicFiles.write(dir.resolve(TEST_TRUTH), JSON.writeValueAsBytes(truth), NO_SYNC);
        return new Summary(dir, seed, nTrain, nTest, positions == 0 ? Double.NaN : entropy / positions);
    }

    /** -sum p log p, natural log, 0 log 0 = 0. */
    public static double entropy(double[] p) {
        double h = 0;
        for (double v : p) {
            if (v > 0) {
                h -= v * Math.log(v);
            }
        }
        return h;
    }

    private static ObjectNode llavaLine(String id, int[] x, HmmConfig config) {
        ObjectNode line = JSON.createObjectNode();
        line.put("id", id);
        ArrayNode turns = line.putArray("conversations");
        turns.addObject().put("from", "human").put("value", text(x, 0, config.promptTokens()));
        turns.addObject().put("from", "gpt").put("value", text(x, config.promptTokens(), x.length));
        return line;
    }

    private static String text(int[] x, int from, int to) {
        List<String> w = new ArrayList<>();
        for (int t = from; t < to; t++) {
            w.add(HiddenMarkovProcess.word(x[t]));
        }
        return String.join(" ", w);
    }

    /**
     * The held-out truth as {@link #write} left it in {@code dir}'s {@link #TEST_TRUTH}.
     *
     * @param words   the vocabulary, in token order
     * @param records per record id, in file order: its continuation's true distributions {@code [L][V]}
     */
    public record Truth(List<String> words, Map<String, double[][]> records) {
        public Truth {
            words = List.copyOf(words);
            records = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(records));
        }

        /** Reads {@code file}; errors name the file and the record. */
        public static Truth read(Path file) throws IOException {
            JsonNode root = JSON.readTree(file.toFile());
            List<String> words = new ArrayList<>();
            root.path("words").forEach(w -> words.add(w.asText()));
            if (words.isEmpty()) {
                throw new IOException(file + ": no 'words'");
            }
            Map<String, double[][]> records = new LinkedHashMap<>();
            for (JsonNode r : root.path("records")) {
                String id = r.path("id").asText();
                JsonNode rows = r.path("truth");
                double[][] p = new double[rows.size()][];
                for (int j = 0; j < p.length; j++) {
                    JsonNode row = rows.get(j);
                    if (row.size() != words.size()) {
                        throw new IOException(file + ": record " + id + " row " + j + " has " + row.size()
                                + " probabilities for " + words.size() + " words");
                    }
                    p[j] = new double[row.size()];
                    for (int v = 0; v < p[j].length; v++) {
                        p[j][v] = row.get(v).asDouble();
                    }
                }
                records.put(id, p);
            }
            return new Truth(words, records);
        }
    }
}
