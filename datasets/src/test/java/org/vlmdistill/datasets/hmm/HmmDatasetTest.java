package org.vlmdistill.datasets.hmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HmmDatasetTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void recordsAreTextOnlyConversationsAndTheTruthCoversEveryContinuationToken(@TempDir Path dir) throws IOException {
        HmmConfig c = HmmConfig.defaults();
        HmmDataset.Summary s = HmmDataset.write(dir, 30, 20, 5, c);
        HiddenMarkovProcess p = new HiddenMarkovProcess(c, 5);
        List<String> train = Files.readAllLines(dir.resolve(HmmDataset.TRAIN_JSONL));
        List<String> test = Files.readAllLines(dir.resolve(HmmDataset.TEST_JSONL));
        assertEquals(30, train.size());
        assertEquals(20, test.size());
        JsonNode first = json.readTree(test.getFirst());
        assertEquals("hmm-000030", first.get("id").asText());
        assertTrue(first.path("image").isMissingNode());
        int[] x = p.sample(30);
        JsonNode turns = first.get("conversations");
        assertEquals("human", turns.get(0).get("from").asText());
        assertEquals(String.join(" ", words(x, 0, c.promptTokens())), turns.get(0).get("value").asText());
        assertEquals("gpt", turns.get(1).get("from").asText());
        assertEquals(String.join(" ", words(x, c.promptTokens(), x.length)), turns.get(1).get("value").asText());

        HmmDataset.Truth truth = HmmDataset.Truth.read(dir.resolve(HmmDataset.TEST_TRUTH));
        assertEquals(HiddenMarkovProcess.words(c.vocabulary()), truth.words());
        assertEquals(20, truth.records().size());
        double[][] rows = truth.records().get("hmm-000030");
        double[][] expected = p.nextTokenDistributions(x);
        assertEquals(c.continuationTokens(), rows.length);
        for (int j = 0; j < rows.length; j++) {
            assertArrayEquals(expected[c.promptTokens() + j], rows[j], 0.0);
        }
        assertTrue(s.truthEntropy() > 1.0, "entropy " + s.truthEntropy());
    }

    @Test
    void theSameSeedWritesTheSameBytes(@TempDir Path dir) throws IOException {
        HmmDataset.write(dir.resolve("a"), 10, 5, 9, HmmConfig.defaults());
        HmmDataset.write(dir.resolve("b"), 10, 5, 9, HmmConfig.defaults());
        HmmDataset.write(dir.resolve("c"), 10, 5, 10, HmmConfig.defaults());
        for (String f : List.of(HmmDataset.TRAIN_JSONL, HmmDataset.TEST_JSONL, HmmDataset.TEST_TRUTH)) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
            assertTrue(!java.util.Arrays.equals(Files.readAllBytes(dir.resolve("a").resolve(f)),
                    Files.readAllBytes(dir.resolve("c").resolve(f))), f);
        }
    }

    private static List<String> words(int[] x, int from, int to) {
        return java.util.Arrays.stream(x, from, to).mapToObj(HiddenMarkovProcess::word).toList();
    }
}
