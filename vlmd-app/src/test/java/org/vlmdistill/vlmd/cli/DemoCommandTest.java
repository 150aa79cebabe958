package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.vlmd.demo.DemoTeacher;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vlmd demo --quick} end to end, as the README's second set-up command runs it (short form): the
 * shipped teacher, three students, evaluation and the report. Asserts that the report is there and whole,
 * and that its numbers are sane: the teacher well above chance, the untrained student near it, every
 * trained student above the untrained one.
 */
class DemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void quickDemoWritesTheReportWithSaneNumbers() throws IOException {
        assertTrue(DemoTeacher.shipped(), "the demo teacher must be shipped as resources");
        Path out = tmp.resolve("demo");
        CliRun r = CliRun.run("demo", "--quick", "--out", out.toString(), "--progress", "lines");
        System.out.println(r.out());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("| student, TAID |") && r.out().contains("| teacher |"), r.out());

        for (String f : new String[] {"report.md", "report.html", "summary.json", "plots/scores.png",
                "plots/lm_loss.png", "plots/objective.png", "plots/distil_loss.png", "plots/taid_t.png",
                "plots/taid_dt.png", "eval/report.html",
                "eval/results.json", "runs/taid-seed1.json", "teacher/model.safetensors"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        String html = Files.readString(out.resolve("report.html"));
        Matcher png = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
        int charts = 0;
        while (png.find()) {
            var image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.group(1))));
            assertNotNull(image);
            assertTrue(image.getWidth() >= 600 && image.getHeight() >= 300);
            charts++;
        }
        assertEquals(6, charts, "scores, LM loss, objective, distillation loss, t and dt");
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("![scores.png](plots/scores.png)") && md.contains("vs SFT"), md);

        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        double chance = summary.at("/chance/mcq_loglik").asDouble();
        assertEquals(0.25, chance, 1e-9);
        JsonNode teacher = row(summary, "teacher");
        JsonNode untrained = row(summary, "student-untrained");
        double teacherOpen = teacher.at("/scores/open_generate/mean").asDouble();
        double teacherMcq = teacher.at("/scores/mcq_loglik/mean").asDouble();
        assertTrue(teacherMcq >= chance + 0.25, "teacher loglik " + teacherMcq + " vs chance " + chance);
        assertTrue(teacherOpen >= 0.35, "teacher exact match " + teacherOpen);
        assertTrue(untrained.at("/scores/open_generate/mean").asDouble() < 0.05);
        assertTrue(Math.abs(untrained.at("/scores/mcq_loglik/mean").asDouble() - chance) < 0.15);
        for (String loss : new String[] {"taid", "fkl", "sft"}) {
            JsonNode s = row(summary, loss);
            double open = s.at("/scores/open_generate/mean").asDouble();
            double agree = s.at("/scores/top1_agreement/mean").asDouble();
            assertTrue(open >= 0.1 && open <= 1.0, loss + " exact match " + open);
            assertTrue(agree > untrained.at("/scores/top1_agreement/mean").asDouble(), loss + " agreement " + agree);
            assertEquals(1, s.at("/scores/open_generate/values").size());
        }
    }

    private static JsonNode row(JsonNode summary, String method) {
        for (JsonNode r : summary.get("rows")) {
            if (r.get("method").asText().equals(method)) {
                return r;
            }
        }
        throw new AssertionError("no row " + method + " in " + summary);
    }

}
