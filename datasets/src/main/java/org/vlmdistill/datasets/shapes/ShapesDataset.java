package org.vlmdistill.datasets.shapes;

import org.vlmdistill.core.io.AtomicFiles;

import static org.vlmdistill.core.io.AtomicFiles.Durability.NO_SYNC;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Shapes set on disk and in memory. Samples {@code [0, nTrain)} are the train split and
 * {@code [nTrain, nTrain + nTest)} the test split; sample {@code i} is the same whatever the split
 * sizes (see {@link ShapesGenerator}).
 *
 * <p>Files under {@code DIR}:
 * <ul>
 *   <li>{@code images/shapes-000042.png}: one PNG per sample, both splits;</li>
 *   <li>{@code train.jsonl}, {@code test.jsonl}: LLaVA conversations, one per line:
 *       {@code {"id", "image": "images/...png", "conversations": [{"from": "human", "value":
 *       "<image>\nQUESTION"}, {"from": "gpt", "value": "ANSWER"}], "kind"}};</li>
 *   <li>{@code test.tsv}: the test split as VLMEvalKit reads a benchmark:
 *       {@code index, image (base64 PNG), question, answer, category (= kind), split};</li>
 *   <li>{@code test_mcq.tsv}: the test samples of {@link ShapesGenerator#MULTIPLE_CHOICE_KINDS}
 *       again, as multiple choice: {@code index, image, question, A, B, C, D, answer (a letter),
 *       category, split}.</li>
 *   <li>{@code conversations.jsonl} and {@code images/conversation-000042.png}, written by {@link
 *       #writeConversations} alone: several questions about each image.</li>
 * </ul>
 * Every file is written to a temp file and renamed into place; the JSONL and TSV files last, so
 * the images they name are there when they are.
 */
public final class ShapesDataset {
    public static final String IMAGES = "images";
    public static final String TRAIN_JSONL = "train.jsonl";
    public static final String TEST_JSONL = "test.jsonl";
    public static final String TEST_TSV = "test.tsv";
    public static final String TEST_MCQ_TSV = "test_mcq.tsv";
    /** {@link #writeConversations}' file: several questions about each image. */
    public static final String CONVERSATIONS_JSONL = "conversations.jsonl";

    static final List<String> TSV_COLUMNS = List.of("index", "image", "question", "answer", "category", "split");
    static final List<String> MCQ_COLUMNS =
            List.of("index", "image", "question", "A", "B", "C", "D", "answer", "category", "split");

    private ShapesDataset() {
    }

    /** {@link #write(Path, int, int, long, ShapesConfig)} with {@link ShapesConfig#defaults()}. */
    public static ShapesSummary write(Path dir, int nTrain, int nTest, long seed) throws IOException {
        return write(dir, nTrain, nTest, seed, ShapesConfig.defaults());
    }

    /** Writes both splits under {@code dir} (created if missing; files of an earlier run are replaced). */
    public static ShapesSummary write(Path dir, int nTrain, int nTest, long seed, ShapesConfig config)
            throws IOException {
        if (nTrain < 0 || nTest < 0 || nTrain + nTest == 0) {
            throw new IllegalArgumentException("need a non-negative number of samples per split and at least one, got "
                    + nTrain + " train and " + nTest + " test");
        }
        ShapesGenerator generator = new ShapesGenerator(config, seed);
        Files.createDirectories(dir.resolve(IMAGES));
        ObjectMapper json = new ObjectMapper();
        SplitSummary.Tally train = new SplitSummary.Tally();
        SplitSummary.Tally test = new SplitSummary.Tally();
        int multipleChoice = 0;
        try (AtomicFiles.TextFile trainJsonl = AtomicFiles.openText(dir.resolve(TRAIN_JSONL), NO_SYNC);
             AtomicFiles.TextFile testJsonl = AtomicFiles.openText(dir.resolve(TEST_JSONL), NO_SYNC);
             AtomicFiles.TextFile testTsv = AtomicFiles.openText(dir.resolve(TEST_TSV), NO_SYNC);
             AtomicFiles.TextFile testMcq = AtomicFiles.openText(dir.resolve(TEST_MCQ_TSV), NO_SYNC)) {
            testTsv.writeLine(String.join("\t", TSV_COLUMNS));
            testMcq.writeLine(String.join("\t", MCQ_COLUMNS));
            for (long i = 0; i < (long) nTrain + nTest; i++) {
                ShapesSample sample = generator.sample(i);
                byte[] png = Png.encode(sample.image());
                AtomicFiles.write(dir.resolve(imagePath(sample)), png, NO_SYNC);
                boolean isTest = i >= nTrain;
                (isTest ? testJsonl : trainJsonl).writeLine(json.writeValueAsString(llavaLine(json, sample)));
                (isTest ? test : train).add(sample);
                if (isTest) {
                    String image = Base64.getEncoder().encodeToString(png);
                    testTsv.writeLine(tsvRow(List.of(Long.toString(i), image, sample.question(), sample.answer(),
                            sample.kind().label(), "test")));
                    Optional<MultipleChoice> mcq = generator.multipleChoice(sample);
                    if (mcq.isPresent()) {
                        List<String> row = new ArrayList<>(List.of(Long.toString(i), image, sample.question()));
                        row.addAll(mcq.get().options());
                        row.addAll(List.of(mcq.get().answer(), sample.kind().label(), "test"));
                        testMcq.writeLine(tsvRow(row));
                        multipleChoice++;
                    }
                }
            }
            trainJsonl.commit();
            testJsonl.commit();
            testTsv.commit();
            testMcq.commit();
        }
        return new ShapesSummary(dir, seed, train.summary(), test.summary(), multipleChoice);
    }

    /**
     * Writes conversations {@code [0, n)} ({@link ShapesGenerator#conversation}) under {@code dir}: one PNG
     * each ({@code images/conversation-000042.png}) and {@link #CONVERSATIONS_JSONL}, LLaVA lines with a
     * human/gpt pair per question and the image in the first question. Conversations draw from a stream of
     * their own, so conversation {@code i} is not sample {@code i}'s scene (a scene may recur by chance, as
     * it may between two samples).
     *
     * @return the questions written, one per turn pair
     */
    public static SplitSummary writeConversations(Path dir, int n, long seed, ShapesConfig config) throws IOException {
        if (n <= 0) {
            throw new IllegalArgumentException("need at least one conversation, got " + n);
        }
        ShapesGenerator generator = new ShapesGenerator(config, seed);
        Files.createDirectories(dir.resolve(IMAGES));
        ObjectMapper json = new ObjectMapper();
        SplitSummary.Tally questions = new SplitSummary.Tally();
        try (AtomicFiles.TextFile jsonl = AtomicFiles.openText(dir.resolve(CONVERSATIONS_JSONL), NO_SYNC)) {
            for (long i = 0; i < n; i++) {
                List<ShapesSample> turns = generator.conversation(i);
                String id = "conversation-%06d".formatted(i);
                String image = IMAGES + "/" + id + ".png";
                AtomicFiles.write(dir.resolve(image), Png.encode(turns.getFirst().image()), NO_SYNC);
                jsonl.writeLine(json.writeValueAsString(llavaLine(json, id, image, turns)));
                turns.forEach(questions::add);
            }
            jsonl.commit();
        }
        return questions.summary();
    }

    /**
     * Samples {@code [from, to)} as records, without touching disk: a user turn
     * {@code "<image>\nQUESTION"}, an assistant turn with the answer, the PNG bytes as the image,
     * and {@code kind} as a field, as a reader of {@code train.jsonl} would give them. There is no
     * file: the provenance names the set and seed ({@code shapes-seed-42}) and the sample.
     */
    public static Stream<Record> records(ShapesConfig config, long seed, long from, long to) {
        Path origin = Path.of("shapes-seed-" + seed);
        return new ShapesGenerator(config, seed).samples(from, to).map(s -> record(s, origin));
    }

    static Record record(ShapesSample sample, Path origin) {
        return new Record(sample.id(),
                List.of(new Turn(Role.USER, Turn.IMAGE_PLACEHOLDER + "\n" + sample.question()),
                        new Turn(Role.ASSISTANT, sample.answer())),
                List.of(new ImageSource.Bytes(sample.id() + ".png", Png.encode(sample.image()))),
                Map.of("kind", sample.kind().label()),
                new Provenance(origin, "sample " + sample.index()));
    }

    /** {@code images/shapes-000042.png}, relative to the set's directory, with {@code /} as on every platform. */
    public static String imagePath(ShapesSample sample) {
        return IMAGES + "/" + sample.id() + ".png";
    }

    private static ObjectNode llavaLine(ObjectMapper json, ShapesSample sample) {
        ObjectNode line = llavaLine(json, sample.id(), imagePath(sample), List.of(sample));
        line.put("kind", sample.kind().label());
        return line;
    }

    /** One human/gpt pair per sample, all about one image, which the first question carries. */
    private static ObjectNode llavaLine(ObjectMapper json, String id, String image, List<ShapesSample> turns) {
        ObjectNode line = json.createObjectNode();
        line.put("id", id);
        line.put("image", image);
        ArrayNode conversations = line.putArray("conversations");
        for (ShapesSample turn : turns) {
            String question = turn == turns.getFirst() ? Turn.IMAGE_PLACEHOLDER + "\n" + turn.question() : turn.question();
            conversations.addObject().put("from", "human").put("value", question);
            conversations.addObject().put("from", "gpt").put("value", turn.answer());
        }
        return line;
    }

    /** Cells are generated text from a closed vocabulary; a tab or newline in one is a bug, not data to escape. */
    private static String tsvRow(List<String> cells) {
        for (String cell : cells) {
            if (cell.indexOf('\t') >= 0 || cell.indexOf('\n') >= 0 || cell.indexOf('"') >= 0) {
                throw new IllegalStateException("TSV cell needs quoting: " + cell);
            }
        }
        return String.join("\t", cells);
    }
}
