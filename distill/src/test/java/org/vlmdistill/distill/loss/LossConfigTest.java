package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlmdistill.distill.schedule.Schedule;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss section of a run config: defaults, the resolved JSON, and problems reported together. */
class LossConfigTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void defaultsResolveAndRoundTripForEveryLoss() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : LossConfig.LOSSES.keySet()) {
                LossConfig c = LossConfig.defaults(name);
                assertEquals(name, c.create(m).name());
                List<String> problems = new ArrayList<>();
                LossConfig again = LossConfig.parse(json.readTree(c.toJson().toString()), "loss", problems);
                assertTrue(problems.isEmpty(), problems.toString());
                assertEquals(c, again);
            }
        }
        LossConfig taid = LossConfig.defaults("taid");
        assertEquals(("{\"name\":\"taid\",\"t_start\":0.4,\"t_end\":1.0,\"alpha\":5.0E-4,\"beta\":0.99,"
                + "\"adaptive\":true,\"distil_ratio\":{\"type\":\"constant\",\"value\":1.0,\"warmup_steps\":0},"
                + "\"chunk_size\":256}"), taid.toJson().toString());
        assertTrue(LossConfig.describeAll().contains("dkd: alpha=1.0"));
    }

    @Test
    void teacherNeedsAreTheLossesOwn() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : LossConfig.LOSSES.keySet()) {
                LossConfig c = LossConfig.defaults(name);
                assertEquals(c.create(m).needsTeacher(), c.needsTeacher(), name);
                assertEquals(c.create(m).acceptsTruncatedTeacher(), c.acceptsTruncatedTeacher(), name);
            }
        }
        assertFalse(LossConfig.defaults("sft").needsTeacher());
        assertFalse(LossConfig.defaults("rkl").acceptsTruncatedTeacher());
        assertFalse(LossConfig.defaults("akl").acceptsTruncatedTeacher());
        assertTrue(LossConfig.defaults("jsd").acceptsTruncatedTeacher());
        List<String> problems = new ArrayList<>();
        // GKD's beta = 1 is reverse KL: infinite where a truncated teacher gives 0
        assertFalse(LossConfig.parse(json.readTree("{\"name\":\"jsd\",\"beta\":1}"), "loss", problems)
                .acceptsTruncatedTeacher());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void readsEachLossesFields() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> problems = new ArrayList<>();
            LossConfig c = LossConfig.parse(json.readTree("{\"name\":\"taid\",\"t_start\":0.2,\"adaptive\":false,"
                    + "\"distil_ratio\":{\"type\":\"wsd\",\"peak\":0.9},\"chunk_size\":512}"), "loss", problems);
            assertTrue(problems.isEmpty(), problems.toString());
            Taid taid = assertInstanceOf(Taid.class, c.create(m));
            assertEquals(0.2, taid.t());
            assertEquals(512, c.chunkSize());
            assertEquals(new Schedule.Wsd(0.9, 0, 0.1, 0), c.distilRatio());
            Dkd dkd = assertInstanceOf(Dkd.class, LossConfig.parse(json.readTree(
                    "{\"name\":\"dkd\",\"beta\":8,\"temperature\":4}"), "loss", problems).create(m));
            assertEquals(8.0, dkd.beta());
            assertEquals(4.0, dkd.temperature());
        }
    }

    @Test
    void reportsEveryProblemWithItsPath() throws Exception {
        List<String> problems = new ArrayList<>();
        assertNull(LossConfig.parse(json.readTree("{\"name\":\"skew_kl\",\"alpha\":1.5,\"beta\":0.2,"
                + "\"chunk_size\":0,\"distil_ratio\":{\"type\":\"linear\"}}"), "config.loss", problems));
        String all = String.join("\n", problems);
        assertTrue(all.contains("config.loss.alpha: expected a number in [0, 1), got 1.5"), all);
        assertTrue(all.contains("config.loss.beta: unknown field for skew_kl (known: alpha, chunk_size, distil_ratio, name)"), all);
        assertTrue(all.contains("config.loss.chunk_size: expected a whole number >= 1, got 0"), all);
        assertTrue(all.contains("config.loss.distil_ratio.from: required"), all);
        problems.clear();
        assertNull(LossConfig.parse(json.readTree("{\"name\":\"kl\"}"), "loss", problems));
        assertTrue(problems.getFirst().startsWith("loss.name: expected one of taid, fkl, rkl"), problems.toString());
        problems.clear();
        assertNull(LossConfig.parse(json.readTree("{\"name\":\"taid\",\"t_start\":0.9,\"t_end\":0.5}"), "loss", problems));
        assertEquals(List.of("loss.t_start, loss.t_end: t_start 0.9 is above t_end 0.5"), problems);
    }
}
