package org.vlmdistill.vlmd.demo;

import org.junit.jupiter.api.Test;
import org.vlmdistill.vlmd.demo.DemoSummary.Cell;
import org.vlmdistill.vlmd.demo.DemoSummary.Column;
import org.vlmdistill.vlmd.demo.DemoSummary.Row;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo table's arithmetic: mean and sample standard deviation over seeds, and the seed-by-seed SFT comparison. */
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

    private static Row row(String method, double... open) {
        List<Double> values = java.util.Arrays.stream(open).boxed().toList();
        return new Row(method, 1000, method.equals("teacher") ? List.of() : List.of(1L, 2L, 3L, 4L),
                Map.of(Column.OPEN_GENERATE, new Cell(values)));
    }
}
