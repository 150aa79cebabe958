package org.vlmdistill.eval.report;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarkdownReportTest {
    /** A table line's cells, split where GFM splits them: at '|' not preceded by a backslash. */
    private static List<String> cells(String line) {
        String inner = line.strip();
        assertTrue(inner.startsWith("|") && inner.endsWith("|"), line);
        return Arrays.stream(inner.substring(1, inner.length() - 1).split("(?<!\\\\)\\|", -1)).map(String::strip)
                .toList();
    }

    /** The lines of the table whose header line starts with {@code headerStart}. */
    private static List<String> table(String md, String headerStart) {
        List<String> lines = md.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(headerStart)) {
                int end = i;
                while (end < lines.size() && lines.get(end).startsWith("|")) {
                    end++;
                }
                return lines.subList(i, end);
            }
        }
        throw new AssertionError("no table starting " + headerStart + " in\n" + md);
    }

    private static List<String> row(List<String> table, String first) {
        return table.stream().map(MarkdownReportTest::cells).filter(c -> c.getFirst().equals(first)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + first + " in " + table));
    }

    @Test
    void mainTableHasAColumnPerModelInOrderAndTheHeadlines() {
        String md = MarkdownReport.render(SampleReports.sample());
        assertTrue(md.startsWith("# Evaluation report\n"), md);
        assertTrue(md.contains("Settings: modes loglik, generate; limit 30 items per benchmark"), md);

        List<String> main = table(md, "| benchmark (mode) | metric |");
        assertEquals(List.of("benchmark (mode)", "metric", SampleReports.STUDENT, SampleReports.TEACHER, "chance"),
                cells(main.getFirst()));
        assertEquals(List.of("---", "---", "---:", "---:", "---:"), cells(main.get(1)));
        // Rows: benchmarks in order, modes in the order the run asked for them.
        assertEquals(List.of("shapes_mcq (loglik)", "shapes_mcq (generate)", "pope_mini (generate)"),
                main.subList(2, main.size()).stream().map(l -> cells(l).getFirst()).toList());
        assertEquals(List.of("shapes_mcq (loglik)", "accuracy", "73.3% (n=30)", "90.0% (n=30)", "25.0%"),
                row(main, "shapes_mcq (loglik)"));
        assertEquals(List.of("shapes_mcq (generate)", "accuracy", "60.0% (n=30)", "89.7% (n=29)", "25.0%"),
                row(main, "shapes_mcq (generate)"));
        assertEquals(List.of("pope_mini (generate)", "accuracy", "55.0% (n=20)", "85.0% (n=20)", Format.MISSING),
                row(main, "pope_mini (generate)"));

        List<String> models = table(md, "| model | type |");
        assertEquals(List.of(SampleReports.STUDENT, "idefics3", "256.5M", "bf16", "/models/student-256m"),
                cells(models.get(2)));
        assertEquals("2.25B", cells(models.get(3)).get(2));
    }

    @Test
    void perCategoryAndAgreementTables() {
        String md = MarkdownReport.render(SampleReports.sample());
        List<String> shapes = table(md.substring(md.indexOf("### shapes_mcq")), "| category |");
        assertEquals(List.of("category", "student-256m (loglik)", "student-256m (generate)", "teacher-2b (loglik)",
                "teacher-2b (generate)"), cells(shapes.getFirst()));
        // The escaped '|' keeps "color|shade" one cell: a row has as many cells as the header.
        assertEquals(List.of("color\\|shade", "73.3% (n=15)", "60.0% (n=15)", "86.7% (n=15)", Format.MISSING),
                row(shapes, "color\\|shade"));
        List<String> pope = table(md.substring(md.indexOf("### pope_mini")), "| category |");
        assertEquals(List.of("category", SampleReports.STUDENT, SampleReports.TEACHER), cells(pope.getFirst()));

        List<String> agreement = table(md, "| benchmark | model | reference |");
        assertEquals(List.of("shapes_mcq", SampleReports.STUDENT, SampleReports.TEACHER, "29", "58", "82.8%", "0.3141"),
                cells(agreement.get(2)));
    }

    @Test
    void problemsAreListedPerBenchmarkWithTheirSource() {
        String md = MarkdownReport.render(SampleReports.sample());
        String problems = md.substring(md.indexOf("## Problems"));
        List<String> shapes = table(problems.substring(problems.indexOf("### shapes_mcq (4)")), "| where |");
        assertEquals(List.of("file", Format.MISSING, "shapes_mcq.tsv row 7", "shapes_mcq.tsv row 7", "malformed_row",
                "3 fields, expected 8"), cells(shapes.get(2)));
        assertEquals("answer_not_an_option", cells(shapes.get(3)).get(4));
        assertEquals(List.of("teacher-2b (generate)", "5", "q5", "shapes_mcq.tsv row 7", "prompt_too_long",
                "2100 tokens > 2048"), cells(shapes.get(4)));
        assertEquals("agreement student-256m vs teacher-2b", cells(shapes.get(5)).getFirst());
        List<String> pope = table(problems.substring(problems.indexOf("### pope_mini (2)")), "| where |");
        assertEquals("answer column empty \\| row 1", cells(pope.get(3)).get(5));
        assertFalse(problems.contains("more (all in results.json)"), problems);
    }

    @Test
    void problemListIsCappedPerBenchmark() {
        String md = MarkdownReport.render(SampleReports.sample(63, 3));
        String pope = md.substring(md.indexOf("### pope_mini (63)"));
        List<String> table = table(pope, "| where |");
        assertEquals(2 + ReportTables.PROBLEMS_SHOWN, table.size());
        assertTrue(pope.contains("... and 13 more (all in results.json)"), pope);
    }

    @Test
    void textCannotBreakOutOfACellOrBecomeHtml() {
        assertEquals("a\\|b &lt;b> &amp;c d", MarkdownReport.cell("a|b <b> &c\nd"));
    }

    @Test
    void anEmptyReportStillRenders() {
        String md = MarkdownReport.render(SampleReports.empty());
        assertTrue(md.contains("No scores."), md);
        assertTrue(md.contains("None: every record was an item"), md);
        assertTrue(md.contains("compute dtype not recorded"), md);
    }

    @Test
    void formats() {
        assertEquals("73.3%", Format.percent(22 / 30.0));
        assertEquals("100.0%", Format.percent(1));
        assertEquals(Format.MISSING, Format.percent(Double.NaN));
        assertEquals("1480.0 (n=28)", Format.metric(new org.vlmdistill.eval.result.Metric("mme_score", 1480, 28)));
        assertEquals("48.0% (n=28)", Format.metric(new org.vlmdistill.eval.result.Metric("accuracy", 0.48, 28)));
        assertEquals("950", Format.count(950));
        assertEquals("12.3K", Format.count(12_345));
        assertEquals("256.5M", Format.count(256_484_000));
        assertEquals("1.71B", Format.count(1_710_000_000));
    }
}
