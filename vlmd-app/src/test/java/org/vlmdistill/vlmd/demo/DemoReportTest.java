package org.vlmdistill.vlmd.demo;

import org.junit.jupiter.api.Test;
import org.vlmdistill.vlmd.demo.DemoSummary.Cell;
import org.vlmdistill.vlmd.demo.DemoSummary.Column;
import org.vlmdistill.vlmd.demo.DemoSummary.Row;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo table's arithmetic: mean and sample standard deviation over seeds, and the seed-by-seed SFT comparison;
 * the report's plots.
 */
class DemoReportTest {

    @Test
    void cellsGiveTheMeanAndTheSampleStandardDeviation() {
        Cell c = new Cell(List.of(0.40, 0.42, 0.47));
        assertEquals(0.43, c.mean(), 1e-12);
        // by hand: deviations -0.03, -0.01, +0.04; squares sum 0.0026; / (3 - 1) = 0.0013
        assertEquals(Math.sqrt(0.0013), c.sd(), 1e-12);
        assertTrue(Double.isNaN(new Cell(List.of(0.5)).sd()), "one seed has no spread");
        assertEquals("43.0% ± 3.6", DemoReport.cell(Column.OPEN_GENERATE, c));
        assertEquals("50.0%", DemoReport.cell(Column.OPEN_GENERATE, new Cell(List.of(0.5))));
    }

    @Test
    void comparisonPairsSeedsAndCountsWins() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        double[] sft = new double[4];
        double[] taid = new double[4];
        int wins = 0;
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            sft[i] = random.nextDouble();
            taid[i] = random.nextDouble();
            wins += taid[i] > sft[i] ? 1 : 0;
            sum += 100 * (taid[i] - sft[i]);
        }
        DemoSummary s = new DemoSummary(List.of(row("teacher", 0.9, 0.9, 0.9, 0.9), row("taid", taid), row("sft", sft)),
                Map.of());
        List<String> lines = DemoReport.comparisons(s);
        assertEquals(1, lines.size(), "only TAID is compared with SFT; seed " + seed);
        String expected = String.format(java.util.Locale.ROOT, "open questions, exact match (generate) %+.1f points",
                sum / 4);
        assertTrue(lines.getFirst().startsWith("student, TAID vs SFT: " + expected), lines.getFirst() + "; seed " + seed);
        assertTrue(lines.getFirst().contains("higher in " + wins + " of 4 seeds"), lines.getFirst() + "; seed " + seed);
        String table = DemoReport.table(s);
        assertEquals(2 + 3, table.lines().count(), table);
        assertTrue(table.contains("| student, SFT | 1.0K | 4 |"), table);
    }

    /**
     * The report's loss and t plots from runs' metrics (fresh random curves, 2 seeds): each method's
     * distillation loss and TAID's dt beside the rest, as PNG files of the stated size under plots/,
     * referenced by report.md and inlined in report.html.
     */
    @Test
    void reportPlotsEachMethodsDistillationLossAndTaidsDt(@TempDir Path tmp) throws IOException {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> losses = List.of("taid", "fkl", "sft");
        List<Long> seeds = List.of(1L, 2L);
        DemoSettings settings = DemoSettings.quick().withLosses(losses).withSeeds(seeds);
        int steps = 50 + random.nextInt(400);
        List<TrainingRun.Result> students = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String loss : losses) {
            for (long s : seeds) {
                Path metrics = tmp.resolve("runs").resolve(loss + "-seed" + s).resolve("metrics.jsonl");
                Files.createDirectories(metrics.getParent());
                StringBuilder lines = new StringBuilder();
                double t = 0.4;
                for (int step = 1; step <= steps; step++) {
                    t = Math.min(1, Math.max(0.4 + 0.6 * step / steps, t + 1e-3 * random.nextDouble()));
                    ObjectNode m = json.createObjectNode().put("step", step);
                    double lm = 3 * Math.exp(-3.0 * step / steps) + 0.1 * random.nextDouble();
                    m.put("lm", lm);
                    if (!loss.equals("sft")) {
                        m.put("distil", 2 * Math.exp(-2.0 * step / steps) + 0.1 * random.nextDouble()).put("loss", lm);
                    } else {
                        m.put("loss", lm);
                    }
                    if (loss.equals("taid")) {
                        m.put("t", t);
                    }
                    lines.append(json.writeValueAsString(m)).append('\n');
                }
                Files.writeString(metrics, lines);
                TrainingRun run = new TrainingRun(metrics.getParent(), tmp, Optional.empty(), List.of(), loss, Double.NaN,
                        s, steps, 16, 1e-3, false);
                students.add(new TrainingRun.Result(run, metrics.getParent(), metrics, 1.0, 100, 0));
            }
        }
        DemoSummary summary = new DemoSummary(List.of(row("teacher", 0.9), row("taid", 0.5, 0.6), row("fkl", 0.5, 0.4),
                row("sft", 0.3, 0.4)), Map.of());
        DemoResult result = new DemoResult(settings, 0, tmp.resolve("teacher"), "test", students, null, summary,
                Map.of("students", 1.0));
        Path out = tmp.resolve("demo");
        DemoReport.write(result, out);
        String md = Files.readString(out.resolve("report.md"));
        String html = Files.readString(out.resolve("report.html"));
        for (String plot : List.of(DemoReport.DISTIL_PLOT, DemoReport.DT_PLOT, "taid_t.png", "objective.png", "lm_loss.png")) {
            Path f = out.resolve("plots").resolve(plot);
            assertTrue(Files.isRegularFile(f), plot + "; seed " + seed);
            BufferedImage image = ImageIO.read(f.toFile());
            assertNotNull(image, plot + " decodes");
            assertEquals(DemoReport.PLOT_WIDTH, image.getWidth(), plot);
            assertEquals(DemoReport.PLOT_HEIGHT, image.getHeight(), plot);
            assertTrue(md.contains("![" + plot + "](plots/" + plot + ")"), plot + " in report.md");
            assertTrue(html.contains("alt=\"" + plot + "\""), plot + " in report.html");
        }
    }

    private static Row row(String method, double... open) {
        List<Double> values = java.util.Arrays.stream(open).boxed().toList();
        return new Row(method, 1000, method.equals("teacher") ? List.of() : List.of(1L, 2L, 3L, 4L),
                Map.of(Column.OPEN_GENERATE, new Cell(values)));
    }
}
