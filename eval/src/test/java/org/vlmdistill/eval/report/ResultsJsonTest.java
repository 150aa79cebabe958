package org.vlmdistill.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.Metric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsJsonTest {
    @TempDir
    Path tmp;

    private static List<String> keys(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void recordEqualityTreatsNaNAsEqualSoTheRoundTripCanCompareRecords() {
        // Records compare double components with Double.compare: NaN equals NaN, -0.0 differs from 0.0.
        assertEquals(new Metric("f1", Double.NaN, 0), new Metric("f1", Double.NaN, 0));
        assertNotEquals(new Metric("f1", -0.0, 0), new Metric("f1", 0.0, 0));
    }

    @Test
    void roundTripGivesAnEqualReport() throws IOException {
        EvalReport report = SampleReports.sample();
        Path file = tmp.resolve("results.json");
        ResultsJson.write(report, file);
        EvalReport back = ResultsJson.read(file);

        assertEquals(report, back);
        // Spelled out, as equals would also pass if both sides lost the same thing.
        assertEquals(report.created(), back.created());
        assertEquals(List.copyOf(report.versions().keySet()), List.copyOf(back.versions().keySet()));
        assertTrue(Double.isNaN(back.benchmarks().get(1).chance()));
        assertTrue(Double.isNaN(back.scores().get(4).metrics().get(1).value()));
        assertEquals(Double.POSITIVE_INFINITY, back.scores().get(4).itemsPerSecond());
        assertEquals(Double.NEGATIVE_INFINITY, back.scores().get(0).predictions().get(0).logLikelihoods().get(1));
        assertEquals(List.of("color|shade", "count"), List.copyOf(back.scores().get(0).byCategory().keySet()));
        assertEquals(null, back.scores().get(0).predictions().get(1).extracted());
        assertEquals(SampleReports.TRICKY, back.scores().get(0).predictions().get(0).output());
        assertEquals(26 / 29.0, back.scores().get(3).headline().value());

        EvalReport empty = SampleReports.empty();
        ResultsJson.write(empty, file);
        assertEquals(empty, ResultsJson.read(file));
    }

    @Test
    void fileHasTheDocumentedLayout() throws IOException {
        Path file = tmp.resolve("results.json");
        ResultsJson.write(SampleReports.sample(), file);
        JsonNode root = new ObjectMapper().readTree(file.toFile());

        assertEquals(List.of("created", "versions", "settings", "models", "benchmarks", "scores", "agreements"),
                keys(root));
        assertEquals("2025-06-01T12:34:56.123456789Z", root.get("created").textValue());
        assertEquals(List.of("modes", "limit", "circular", "max_new_tokens", "batch_size", "compute_dtype", "device"),
                keys(root.get("settings")));
        assertEquals("loglik", root.at("/settings/modes/0").textValue());
        assertEquals(List.of("name", "path", "model_type", "parameters", "dtype"), keys(root.at("/models/0")));
        assertEquals(2_246_272_880L, root.at("/models/1/parameters").longValue());
        assertEquals("multiple_choice", root.at("/benchmarks/0/kind").textValue());
        assertEquals("yes_no", root.at("/benchmarks/1/kind").textValue());
        assertEquals(0.25, root.at("/benchmarks/0/chance").doubleValue());
        assertEquals("NaN", root.at("/benchmarks/1/chance").textValue());
        assertEquals(List.of("index", "id", "location", "reason", "detail"), keys(root.at("/benchmarks/0/problems/0")));

        JsonNode score = root.at("/scores/0");
        assertEquals(List.of("model", "benchmark", "mode", "metrics", "by_category", "predictions", "unscored",
                "seconds", "items_per_second"), keys(score));
        assertEquals("loglik", score.get("mode").textValue());
        assertEquals(List.of("name", "value", "over"), keys(score.at("/metrics/0")));
        assertEquals(30, score.at("/metrics/0/over").intValue());
        assertTrue(score.at("/by_category/color|shade/0/value").isNumber());
        assertEquals(List.of("index", "id", "category", "mode", "output", "extracted", "rule", "score", "correct",
                "references", "log_likelihoods"), keys(score.at("/predictions/0")));
        assertEquals("-Infinity", score.at("/predictions/0/log_likelihoods/1").textValue());
        assertEquals(-1.5, score.at("/predictions/0/log_likelihoods/0").doubleValue());
        assertTrue(score.at("/predictions/1/extracted").isNull());
        assertEquals("prompt_too_long", root.at("/scores/3/unscored/0/reason").textValue());
        assertEquals("Infinity", root.at("/scores/4/items_per_second").textValue());
        assertEquals("NaN", root.at("/scores/4/metrics/1/value").textValue());
        assertEquals(List.of("reference", "model", "benchmark", "items", "tokens", "top1_agreement", "mean_kl",
                "problems"), keys(root.at("/agreements/0")));
    }

    @Test
    void aMissingFieldIsAnErrorNamingItsPath() throws IOException {
        Path file = tmp.resolve("results.json");
        ResultsJson.write(SampleReports.sample(), file);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode root = mapper.readTree(file.toFile());
        ((ObjectNode) root.at("/scores/2/metrics/0")).remove("value");
        Files.write(file, mapper.writeValueAsBytes(root));
        IOException e = assertThrows(IOException.class, () -> ResultsJson.read(file));
        assertTrue(e.getMessage().contains("$.scores[2].metrics[0]: missing 'value'"), e.getMessage());

        ((ObjectNode) root.at("/scores/2/metrics/0")).put("value", "lots");
        Files.write(file, mapper.writeValueAsBytes(root));
        e = assertThrows(IOException.class, () -> ResultsJson.read(file));
        assertTrue(e.getMessage().contains("$.scores[2].metrics[0].value: expected a number"), e.getMessage());

        ((ObjectNode) root.at("/scores/2/metrics/0")).put("value", 0.5);
        ((ObjectNode) root.at("/scores/2")).put("mode", "beam");
        Files.write(file, mapper.writeValueAsBytes(root));
        e = assertThrows(IOException.class, () -> ResultsJson.read(file));
        assertTrue(e.getMessage().contains("unknown scoring mode 'beam'"), e.getMessage());

        Files.writeString(file, "{\"created\": ");
        assertThrows(IOException.class, () -> ResultsJson.read(file));
    }

    @Test
    void writeReplacesTheFileAndLeavesNoTempFile() throws IOException {
        Path file = tmp.resolve("results.json");
        Files.writeString(file, "old");
        ResultsJson.write(SampleReports.sample(), file);
        assertEquals(SampleReports.sample(), ResultsJson.read(file));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList());
        }
    }
}
