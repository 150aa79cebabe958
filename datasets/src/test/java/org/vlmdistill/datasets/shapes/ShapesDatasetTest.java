package org.vlmdistill.datasets.shapes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesDatasetTest {
    private static final int TRAIN = 60;
    private static final int TEST = 40;
    private static final long SEED = 3;
    private final ObjectMapper json = new ObjectMapper();
    private final ShapesGenerator generator = new ShapesGenerator(ShapesConfig.defaults(), SEED);

    @Test
    void theJsonlFilesReadBackAsLlavaConversationsWithTheirImages(@TempDir Path dir) throws IOException {
        ShapesDataset.write(dir, TRAIN, TEST, SEED);
        List<JsonNode> train = jsonl(dir.resolve("train.jsonl"));
        List<JsonNode> test = jsonl(dir.resolve("test.jsonl"));
        assertEquals(TRAIN, train.size());
        assertEquals(TEST, test.size());
        List<JsonNode> all = new ArrayList<>(train);
        all.addAll(test);
        for (int i = 0; i < all.size(); i++) {
            JsonNode line = all.get(i);
            ShapesSample sample = generator.sample(i);
            assertEquals(List.of("id", "image", "conversations", "kind"), fieldNames(line));
            assertEquals("shapes-%06d".formatted(i), line.get("id").asText());
            assertEquals("images/shapes-%06d.png".formatted(i), line.get("image").asText());
            assertEquals(sample.kind().label(), line.get("kind").asText());
            JsonNode turns = line.get("conversations");
            assertEquals(2, turns.size());
            assertEquals("human", turns.get(0).get("from").asText());
            assertEquals("<image>\n" + sample.question(), turns.get(0).get("value").asText());
            assertEquals("gpt", turns.get(1).get("from").asText());
            assertEquals(sample.answer(), turns.get(1).get("value").asText());
            BufferedImage image = ImageIO.read(dir.resolve(line.get("image").asText()).toFile());
            assertEquals(64, image.getWidth());
            assertEquals(64, image.getHeight());
            Shape first = sample.scene().shapes().getFirst();
            int centre = image.getRGB(first.x() + first.size() / 2, first.y() + first.size() / 2);
            assertEquals(first.color().channel(0), (centre >> 16) & 0xFF, line.get("id").asText());
        }
    }

    @Test
    void conversationsReadBackAsMultiTurnRecordsWithOneImage(@TempDir Path dir) throws IOException {
        int n = 25;
        SplitSummary summary = ShapesDataset.writeConversations(dir, n, SEED, ShapesConfig.defaults());
        List<Record> records = new ArrayList<>();
        try (RecordReader reader = Readers.open(List.of(dir.resolve(ShapesDataset.CONVERSATIONS_JSONL)),
                ReaderOptions.DEFAULTS)) {
            for (var r = reader.next(); r.isPresent(); r = reader.next()) {
                records.add(r.get());
            }
        }
        assertEquals(n, records.size());
        int questions = 0;
        for (int i = 0; i < n; i++) {
            List<ShapesSample> turns = generator.conversation(i);
            Record record = records.get(i);
            assertEquals(2 * turns.size(), record.turns().size(), record.id());
            assertEquals(1, record.images().size(), record.id());
            for (int t = 0; t < turns.size(); t++) {
                assertEquals(Role.USER, record.turns().get(2 * t).role());
                String question = (t == 0 ? "<image>\n" : "") + turns.get(t).question();
                assertEquals(question, record.turns().get(2 * t).text(), record.id() + " turn " + t);
                assertEquals(Role.ASSISTANT, record.turns().get(2 * t + 1).role());
                assertEquals(turns.get(t).answer(), record.turns().get(2 * t + 1).text(), record.id() + " turn " + t);
            }
            BufferedImage image = ImageIO.read(dir.resolve("images/conversation-%06d.png".formatted(i)).toFile());
            Shape first = turns.getFirst().scene().shapes().getFirst();
            int centre = image.getRGB(first.x() + first.size() / 2, first.y() + first.size() / 2);
            assertEquals(first.color().channel(0), (centre >> 16) & 0xFF, record.id());
            questions += turns.size();
        }
        assertEquals(questions, summary.samples());
    }

    @Test
    void theTsvFilesReadBackWithDecodableImagesAndRightLetters(@TempDir Path dir) throws IOException {
        ShapesSummary summary = ShapesDataset.write(dir, TRAIN, TEST, SEED);
        List<List<String>> tsv = tsv(dir.resolve("test.tsv"));
        assertEquals(List.of("index", "image", "question", "answer", "category", "split"), tsv.getFirst());
        assertEquals(TEST, tsv.size() - 1);
        for (List<String> row : tsv.subList(1, tsv.size())) {
            ShapesSample sample = generator.sample(Long.parseLong(row.get(0)));
            assertTrue(sample.index() >= TRAIN, "test rows only");
            assertPngOf(sample, row.get(1));
            assertEquals(List.of(sample.question(), sample.answer(), sample.kind().label(), "test"), row.subList(2, 6));
        }

        List<List<String>> mcq = tsv(dir.resolve("test_mcq.tsv"));
        assertEquals(List.of("index", "image", "question", "A", "B", "C", "D", "answer", "category", "split"),
                mcq.getFirst());
        assertEquals(summary.multipleChoice(), mcq.size() - 1);
        long expected = Stream.iterate(TRAIN, i -> i + 1).limit(TEST)
                .filter(i -> ShapesGenerator.MULTIPLE_CHOICE_KINDS.contains(generator.sample(i).kind())).count();
        assertEquals(expected, mcq.size() - 1);
        assertTrue(expected > 0);
        for (List<String> row : mcq.subList(1, mcq.size())) {
            ShapesSample sample = generator.sample(Long.parseLong(row.get(0)));
            assertPngOf(sample, row.get(1));
            assertEquals(sample.question(), row.get(2));
            int letter = "ABCD".indexOf(row.get(7));
            assertTrue(letter >= 0, row.get(7));
            assertEquals(sample.answer(), row.get(3 + letter), "the lettered option is the answer");
            assertEquals(4, row.subList(3, 7).stream().distinct().count());
            assertEquals(sample.kind().label(), row.get(8));
            assertEquals("test", row.get(9));
        }
    }

    @Test
    void theSummaryCountsWhatWasWritten(@TempDir Path dir) throws IOException {
        ShapesSummary summary = ShapesDataset.write(dir, TRAIN, TEST, SEED);
        assertEquals(TRAIN, summary.train().samples());
        assertEquals(TEST, summary.test().samples());
        assertEquals(TRAIN + TEST, summary.kinds().values().stream().mapToInt(Integer::intValue).sum());
        Map<String, Integer> answers = new HashMap<>();
        for (String file : List.of("train.jsonl", "test.jsonl")) {
            for (JsonNode line : jsonl(dir.resolve(file))) {
                answers.merge(line.get("conversations").get(1).get("value").asText(), 1, Integer::sum);
            }
        }
        assertEquals(answers.getOrDefault("yes", 0), summary.yes());
        assertEquals(answers.getOrDefault("no", 0), summary.no());
        assertTrue(summary.yes() > 0 && summary.no() > 0);
        assertTrue(summary.kinds().containsKey(QuestionKind.DESCRIBE));
        assertTrue(summary.train().answers().keySet().stream().noneMatch(a -> a.startsWith("a ")),
                "descriptions are not tallied: " + summary.train().answers());
    }

    @Test
    void writingTwiceGivesTheSameBytesAndLeavesNoTempFiles(@TempDir Path root) throws IOException {
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        ShapesDataset.write(a, TRAIN, TEST, SEED);
        ShapesDataset.write(a, TRAIN, TEST, SEED); // over the first run
        ShapesDataset.write(b, TRAIN, TEST, SEED);
        List<Path> files = files(a);
        assertEquals(4 + TRAIN + TEST, files.size());
        assertEquals(files, files(b));
        for (Path f : files) {
            assertFalse(f.getFileName().toString().startsWith("."), "temp file left: " + f);
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
        }
    }

    @Test
    void aSampleIsTheSameWhateverTheSplitSizes(@TempDir Path root) throws IOException {
        ShapesDataset.write(root.resolve("small"), 10, 5, SEED);
        ShapesDataset.write(root.resolve("large"), 12, 30, SEED);
        List<JsonNode> small = jsonl(root.resolve("small/test.jsonl"));
        List<JsonNode> large = jsonl(root.resolve("large/test.jsonl"));
        assertEquals(small.subList(2, 5), large.subList(0, 3), "samples 12..14");
        assertArrayEquals(Files.readAllBytes(root.resolve("small/images/shapes-000013.png")),
                Files.readAllBytes(root.resolve("large/images/shapes-000013.png")));
    }

    @Test
    void recordsInMemoryMatchTheFiles(@TempDir Path dir) throws IOException {
        ShapesDataset.write(dir, TRAIN, TEST, SEED);
        List<Record> records = ShapesDataset.records(ShapesConfig.defaults(), SEED, TRAIN, TRAIN + TEST).toList();
        List<JsonNode> test = jsonl(dir.resolve("test.jsonl"));
        assertEquals(TEST, records.size());
        for (int i = 0; i < TEST; i++) {
            Record r = records.get(i);
            JsonNode line = test.get(i);
            assertEquals(line.get("id").asText(), r.id());
            assertEquals(1, r.placeholderCount());
            assertEquals(Role.USER, r.turns().get(0).role());
            assertEquals(line.get("conversations").get(0).get("value").asText(), r.turns().get(0).text());
            assertEquals(Role.ASSISTANT, r.turns().get(1).role());
            assertEquals(line.get("conversations").get(1).get("value").asText(), r.turns().get(1).text());
            assertEquals(Map.of("kind", line.get("kind").asText()), r.fields());
            byte[] png = ((ImageSource.Bytes) r.images().getFirst()).data();
            assertArrayEquals(Files.readAllBytes(dir.resolve(line.get("image").asText())), png);
            assertEquals("sample " + (TRAIN + i), r.provenance().location());
        }
    }

    @Test
    void badSplitSizesAreRejected(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> ShapesDataset.write(dir, 0, 0, SEED));
        assertThrows(IllegalArgumentException.class, () -> ShapesDataset.write(dir, -1, 5, SEED));
    }

    private void assertPngOf(ShapesSample sample, String base64) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        assertEquals(64, image.getWidth());
        assertEquals(64, image.getHeight());
        for (int y = 0; y < 64; y += 7) {
            for (int x = 0; x < 64; x += 5) {
                int p = image.getRGB(x, y);
                assertEquals(sample.image().at(x, y, 1), (p >> 8) & 0xFF, sample.id() + " at " + x + "," + y);
            }
        }
    }

    private List<JsonNode> jsonl(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            lines.add(json.readTree(line));
        }
        return lines;
    }

    private static List<List<String>> tsv(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(l -> List.of(l.split("\t", -1))).toList();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
        }
    }
}
