package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.eval.report.ResultsJson;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vlmd eval} end to end on Shapes: a tiny model trained by this tool's own SFT run (1000 steps of
 * 8 over 600 records, vision tower included, about 35 s), and the same model untrained, on 150 held-out
 * open (exact-match) questions and their 74 multiple-choice forms, in both modes. Seeds are fixed: the
 * run is deterministic, and the thresholds have room (measured: trained 59.5% loglik, 54.1% generated,
 * 40.0% exact; untrained 35.1%, 1.4%, 0%; chance 25%).
 */
class EvalCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path untrained;
    static Path trained;
    static Path shapes;

    @BeforeAll
    static void trainOne() throws IOException {
        long seed = 11;
        TinyModels.Spec spec = TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()));
        untrained = TinyModels.idefics3(tmp.resolve("untrained"), seed, spec);
        shapes = tmp.resolve("shapes");
        ShapesDataset.write(shapes, 600, 150, seed);
        ObjectNode c = JSON.createObjectNode();
        c.put("student", untrained.toString());
        c.put("data", shapes.resolve(ShapesDataset.TRAIN_JSONL).toString());
        c.put("output", tmp.resolve("sft").toString());
        c.put("seed", 3);
        c.put("max_steps", 1000);
        c.put("batch_size", 8);
        c.putObject("loss").put("name", "sft");
        c.putObject("optimizer").put("lr", 3e-3).put("weight_decay", 0.0);
        c.putObject("checkpoint").put("every", 0).put("keep", 1);
        Path config = tmp.resolve("sft.json");
        Files.writeString(config, c.toPrettyString());
        CliRun r = CliRun.run("distill", "--config", config.toString(), "--progress", "none");
        assertEquals(0, r.code(), r.out() + r.err());
        try (var dirs = Files.list(tmp.resolve("sft/checkpoints"))) {
            trained = dirs.filter(d -> d.getFileName().toString().startsWith("step-")).findFirst().orElseThrow()
                    .resolve("model");
        }
    }

    @Test
    void trainedModelScoresWellAboveChanceAndUntrainedNearIt() throws IOException {
        Path out = tmp.resolve("report");
        CliRun r = CliRun.run("eval", "--model", trained.toString(), "--model", untrained.toString(),
                "--bench", shapes.resolve(ShapesDataset.TEST_TSV).toString(),
                "--bench", shapes.resolve(ShapesDataset.TEST_MCQ_TSV).toString(),
                "--mode", "both", "--out", out.toString(), "--progress", "lines");
        System.out.println(r.out());
        assertEquals(0, r.code(), r.out() + r.err());
        EvalReport report = ResultsJson.read(out.resolve("results.json"));
        assertEquals(2, report.models().size());
        // test.tsv: generate only (exact match); test_mcq.tsv: generate and loglik; for each model
        assertEquals(6, report.scores().size());
        for (BenchmarkScore s : report.scores()) {
            System.out.printf("%s %s %s: %s%n", s.model(), s.benchmark(), s.mode().label(), s.metrics());
        }
        double trainedMcq = headline(report, "step-", "test_mcq", ScoringMode.LOGLIK);
        double untrainedMcq = headline(report, "untrained", "test_mcq", ScoringMode.LOGLIK);
        double trainedExact = headline(report, "step-", "test", ScoringMode.GENERATE);
        double untrainedExact = headline(report, "untrained", "test", ScoringMode.GENERATE);
        double chance = report.benchmarks().stream().filter(b -> b.name().equals("test_mcq")).findFirst().orElseThrow()
                .chance();
        assertEquals(0.25, chance, 1e-12);
        assertTrue(trainedMcq >= 0.5, "trained loglik accuracy " + trainedMcq + " vs chance 0.25");
        assertTrue(Math.abs(untrainedMcq - chance) < 0.2, "untrained loglik accuracy " + untrainedMcq);
        assertTrue(trainedExact >= 0.3, "trained exact match " + trainedExact);
        assertTrue(untrainedExact < 0.1, "untrained exact match " + untrainedExact);
        assertEquals(2, report.agreements().size(), "the untrained model against the trained one, per benchmark");
        for (var a : report.agreements()) {
            assertTrue(a.tokens() > a.items() && a.top1Agreement() < 0.5 && a.meanKl() > 0.1, a.toString());
        }

        String html = Files.readString(out.resolve("report.html"));
        Matcher png = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
        int charts = 0;
        while (png.find()) {
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.group(1)))));
            charts++;
        }
        assertEquals(2, charts, "a chart per benchmark");
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("test_mcq") && md.contains("untrained"), md);
        JsonNode json = JSON.readTree(out.resolve("results.json").toFile());
        assertEquals(64, json.at("/benchmarks/0/sha256").asText().length());
        assertTrue(json.at("/scores/0/predictions").size() > 0);
    }

    @Test
    void badRowsAreCountedAndListedAndTheGoodOnesScored() throws IOException {
        List<String> lines = Files.readAllLines(shapes.resolve(ShapesDataset.TEST_MCQ_TSV));
        List<String> header = List.of(lines.getFirst().split("\t"));
        List<String> rows = new ArrayList<>(lines.subList(0, 6)); // the header and five good rows
        String[] good = lines.get(1).split("\t");
        String[] broken = good.clone();
        broken[header.indexOf("index")] = "900001";
        broken[header.indexOf("image")] = Base64.getEncoder().encodeToString(
                "these bytes are no image of any format, and longer than an index reference".getBytes());
        String[] noAnswer = good.clone();
        noAnswer[header.indexOf("index")] = "900002";
        noAnswer[header.indexOf("answer")] = "";
        String[] notAnOption = good.clone();
        notAnOption[header.indexOf("index")] = "900003";
        notAnOption[header.indexOf("answer")] = "F";
        for (String[] r : List.of(broken, noAnswer, notAnOption)) {
            rows.add(String.join("\t", r));
        }
        Path bad = tmp.resolve("bad_mcq.tsv");
        Files.write(bad, rows);
        Path out = tmp.resolve("bad-report");
        CliRun r = CliRun.run("eval", "--model", untrained.toString(), "--bench", bad.toString(), "--mode", "both",
                "--out", out.toString(), "--progress", "none");
        assertEquals(0, r.code(), r.out() + r.err());
        EvalReport report = ResultsJson.read(out.resolve("results.json"));
        var info = report.benchmarks().getFirst();
        assertEquals(8, info.records());
        assertEquals(5, info.items());
        assertEquals(List.of("undecodable_image", "no_answer", "answer_not_an_option"),
                info.problems().stream().map(p -> p.reason()).toList());
        assertEquals(List.of("900001", "900002", "900003"), info.problems().stream().map(p -> p.id()).toList());
        for (BenchmarkScore s : report.scores()) {
            assertEquals(5, s.headline().over(), "scores say over how many items: " + s.metrics());
            assertEquals(5, s.predictions().size());
        }
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("answer_not_an_option") && md.contains("900003"), md);
    }

    private static double headline(EvalReport report, String model, String bench, ScoringMode mode) {
        return report.scores().stream().filter(s -> s.model().contains(model) && s.benchmark().equals(bench)
                && s.mode() == mode).findFirst().orElseThrow(() -> new AssertionError(model + " " + bench + " " + mode))
                .headline().value();
    }
}
