package org.vlmdistill.distill.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each schedule's value at known steps, and the parser's reports. */
class ScheduleTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void valuesAtKnownSteps() {
        assertEquals(0.7, new Schedule.Constant(0.7).at(0, 10), 0.0);
        assertEquals(0.7, new Schedule.Constant(0.7).at(10, 10), 0.0);
        Schedule.Constant warm = new Schedule.Constant(1.0, 3); // (step + 1) / (warmup + 1)
        assertEquals(0.25, warm.at(0, 10), 1e-15);
        assertEquals(0.75, warm.at(2, 10), 1e-15);
        assertEquals(1.0, warm.at(3, 10), 0.0);

        Schedule.Linear linear = new Schedule.Linear(1.0, 0.0, 0);
        assertEquals(1.0, linear.at(0, 10), 0.0);
        assertEquals(0.5, linear.at(5, 10), 1e-15);
        assertEquals(0.0, linear.at(10, 10), 0.0);
        assertEquals(0.5, new Schedule.Linear(1.0, 0.0, 2).at(6, 10), 1e-15); // 4 of 8 after warmup

        Schedule.Cosine cosine = new Schedule.Cosine(2.0, 0, 0.1);
        assertEquals(2.0, cosine.at(0, 100), 1e-15);
        assertEquals(2.0 * (0.1 + 0.9 * 0.5), cosine.at(50, 100), 1e-12);
        assertEquals(0.2, cosine.at(100, 100), 1e-12);

        Schedule.Wsd wsd = new Schedule.Wsd(0.9, 10, 0.2, 0.0); // decay over the last 20 of 100 steps
        assertEquals(0.9 / 11, wsd.at(0, 100), 1e-15);
        assertEquals(0.9, wsd.at(10, 100), 0.0);
        assertEquals(0.9, wsd.at(79, 100), 0.0);
        assertEquals(0.45, wsd.at(90, 100), 1e-12);
        assertEquals(0.0, wsd.at(100, 100), 1e-12);
    }

    @Test
    void parsesEachTypeAndANumber() throws Exception {
        List<String> problems = new ArrayList<>();
        assertEquals(new Schedule.Constant(0.5), Schedules.parse(json.readTree("0.5"), "x", Schedules.LEARNING_RATE, problems));
        assertEquals(new Schedule.Linear(1, 0, 5), Schedules.parse(json.readTree("{\"type\":\"linear\",\"from\":1,\"warmup_steps\":5}"), "x", Schedules.LEARNING_RATE, problems));
        assertEquals(new Schedule.Cosine(2, 0, 0), Schedules.parse(json.readTree("{\"type\":\"cosine\",\"peak\":2}"), "x", Schedules.LEARNING_RATE, problems));
        assertEquals(new Schedule.Wsd(0.9, 0, 0.1, 0), Schedules.parse(json.readTree("{\"type\":\"wsd\",\"peak\":0.9}"), "x", Schedules.LEARNING_RATE, problems));
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void reportsSeveralProblemsAtOnceWithTheirPaths() throws Exception {
        List<String> problems = new ArrayList<>();
        assertNull(Schedules.parse(json.readTree(
                "{\"type\":\"cosine\",\"peek\":1,\"warmup_steps\":-2,\"min_ratio\":\"low\"}"), "train.lr", Schedules.LEARNING_RATE, problems));
        String all = String.join("\n", problems);
        assertTrue(all.contains("train.lr.peek: unknown field (known: min_ratio, peak, type, warmup_steps)"), all);
        assertTrue(all.contains("train.lr.peak: required"), all);
        assertTrue(all.contains("train.lr.warmup_steps: must be in [0, 2147483647], got -2"), all);
        assertTrue(all.contains("train.lr.min_ratio: expected a number"), all);
        problems.clear();
        assertNull(Schedules.parse(json.readTree("{\"type\":\"step\"}"), "a", Schedules.LEARNING_RATE, problems));
        assertEquals(List.of("a.type: expected constant, linear, cosine or wsd, got \"step\""), problems);
    }
}
