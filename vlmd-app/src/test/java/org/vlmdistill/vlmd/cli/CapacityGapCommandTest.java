package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.vlmd.capacitygap.CapacityGapReport;
import org.vlmdistill.vlmd.capacitygap.CapacityGapSettings;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vlmd demo --experiment capacity-gap --quick} end to end: the files are there, the json holds a
 * score for every teacher and every method's student per seed, every score is finite, and no model
 * scores below the truth's entropy (CE >= H: the floor holds for any q).
 */
class CapacityGapCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quickExperimentWritesEveryFileAndScoresAtOrAboveTheFloor() throws Exception {
        Path out = tmp.resolve("capgap");
        CliRun r = CliRun.run("demo", "--experiment", "capacity-gap", "--quick", "--out", out.toString(),
                "--progress", "none");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String f : List.of(CapacityGapReport.MARKDOWN, CapacityGapReport.JSON_FILE, CapacityGapReport.PLOT,
                CapacityGapReport.LOSS_PLOT, CapacityGapReport.T_PLOT, CapacityGapReport.DT_PLOT, "data/test_truth.json",
                "runs/teacher-s/taid_linear-seed1.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        for (String png : List.of(CapacityGapReport.PLOT, CapacityGapReport.LOSS_PLOT, CapacityGapReport.T_PLOT,
                CapacityGapReport.DT_PLOT)) {
            assertNotNull(ImageIO.read(out.resolve(png).toFile()), png);
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve(CapacityGapReport.JSON_FILE).toFile());
        CapacityGapSettings quick = CapacityGapSettings.quick();
        double h = json.path("truth_entropy").asDouble(Double.NaN);
        assertTrue(h > 1.0 && h < Math.log(quick.process().vocabulary()), "entropy " + h);
        assertEquals(quick.seeds().size(), json.path("untrained_student").size());
        JsonNode teachers = json.path("teachers");
        assertEquals(quick.teachers().size(), teachers.size());
        int students = 0;
        for (JsonNode t : teachers) {
            assertTrue(t.path("parameters").asLong() > json.path("student_parameters").asLong(), t.toString());
            check(t.path("score"), h, t.path("name").asText());
            for (String method : quick.methods()) {
                JsonNode runs = t.path("students").path(method);
                assertEquals(quick.seeds().size(), runs.size(), method);
                for (JsonNode s : runs) {
                    check(s, h, t.path("name").asText() + " " + method);
                    students++;
                }
            }
        }
        assertEquals(quick.teachers().size() * quick.methods().size() * quick.seeds().size(), students);
        String md = Files.readString(out.resolve(CapacityGapReport.MARKDOWN));
        assertTrue(md.contains("| TAID (adaptive) |") && md.contains("adaptive against linear"), md);
        assertTrue(r.out().contains("KL(truth ‖ student)"), r.out());

        // --report-only reads the json back and writes the same tables
        Files.delete(out.resolve(CapacityGapReport.DT_PLOT));
        CliRun again = CliRun.run("demo", "--experiment", "capacity-gap", "--report-only", "--out", out.toString());
        assertEquals(0, again.code(), again.out() + again.err());
        assertEquals(md, Files.readString(out.resolve(CapacityGapReport.MARKDOWN)));
        assertTrue(Files.isRegularFile(out.resolve(CapacityGapReport.DT_PLOT)));
    }

    private static void check(JsonNode score, double h, String what) {
        double ce = score.path("cross_entropy").asDouble(Double.NaN);
        double top1 = score.path("top1").asDouble(Double.NaN);
        assertTrue(Double.isFinite(ce) && Double.isFinite(top1), what + ": " + score);
        assertEquals(h, score.path("entropy").asDouble(), 1e-9, what);
        assertTrue(ce >= h - 1e-6, what + ": CE " + ce + " below the entropy " + h);
        assertEquals(ce - h, score.path("kl").asDouble(), 1e-9, what);
        assertTrue(top1 >= 0 && top1 <= 1, what);
    }
}
