package org.vlmdistill.eval.report;

import org.vlmdistill.eval.result.BenchmarkInfo;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.Prediction;

import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * {@code report.html}: one self-contained HTML5 page (inline CSS, charts as {@code data:} PNGs, no script,
 * no external reference), so it can be mailed or archived as one file. Written as well-formed XML as well
 * (every element closed, only XML's entities), so an XML parser reads it too. All text from the report is
 * escaped: outputs are model-generated and file contents are arbitrary.
 */
public final class HtmlReport {
    /** Predictions listed per benchmark, model and mode at most; all are in results.json. */
    static final int PREDICTIONS_SHOWN = 200;

    private static final String CSS = """
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
            th { background: #f0f0f0; text-align: left; }
            td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
            td.out { white-space: pre-wrap; max-width: 40em; font-family: ui-monospace, monospace; font-size: 0.9em; }
            p.meta { color: #555; }
            details { margin: 0.5em 0; }
            summary { cursor: pointer; }
            img { max-width: 100%; height: auto; }
            .wrong { background: #fdecea; }
            """;

    private HtmlReport() {
    }

    public static String render(EvalReport report) {
        ReportTables t = new ReportTables(report);
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
                .append("<title>Evaluation report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>Evaluation report</h1>\n");
        h.append("<p class=\"meta\">").append(escape(t.provenanceLine())).append("</p>\n");
        h.append("<p class=\"meta\">").append(escape(t.settingsLine())).append("</p>\n");

        h.append("<h2>Models</h2>\n");
        table(h, t.modelTable());
        h.append("<h2>Benchmarks</h2>\n");
        table(h, t.benchmarkTable());

        h.append("<h2>Results</h2>\n");
        h.append("<p>Headline metric of each benchmark and scoring mode; fractions in percent, n = items (or groups) "
                + "it was computed over; chance = the headline score of guessing uniformly.</p>\n");
        if (t.rows().isEmpty()) {
            h.append("<p>No scores.</p>\n");
        } else {
            table(h, t.mainTable());
        }

        for (String benchmark : t.benchmarkNames()) {
            List<BenchmarkScore> scores = t.scores(benchmark);
            if (scores.isEmpty()) {
                continue;
            }
            h.append("<h2>").append(escape(benchmark)).append("</h2>\n");
            Optional<BenchmarkInfo> info = t.info(benchmark);
            info.ifPresent(i -> h.append("<p class=\"meta\">").append(escape(i.kind().label() + ", " + i.items()
                    + " items of " + i.records() + " records, file " + i.path() + ", sha256 " + i.sha256()))
                    .append("</p>\n"));
            BarCharts.headline(t, benchmark).ifPresent(c -> h.append("<p><img src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(c.png())).append("\" alt=\"").append(escape(c.alt()))
                    .append("\" /></p>\n"));
            Optional<ReportTables.Table> categories = t.categoryTable(benchmark);
            if (categories.isPresent()) {
                h.append("<h3>Per category</h3>\n");
                table(h, categories.get());
            }
            h.append("<h3>Predictions</h3>\n");
            for (BenchmarkScore s : scores) {
                predictions(h, s);
            }
        }

        if (!report.agreements().isEmpty()) {
            h.append("<h2>Agreement with the reference model</h2>\n");
            h.append("<p>").append(escape(ReportTables.AGREEMENT_EXPLAINED)).append("</p>\n");
            table(h, t.agreementTable());
        }

        if (!t.rows().isEmpty()) {
            h.append("<h2>Timing</h2>\n");
            table(h, t.timingTable());
        }

        h.append("<h2>Problems</h2>\n");
        boolean any = false;
        for (String benchmark : t.benchmarkNames()) {
            List<List<String>> problems = t.problems(benchmark);
            if (problems.isEmpty()) {
                continue;
            }
            any = true;
            int shown = Math.min(ReportTables.PROBLEMS_SHOWN, problems.size());
            h.append("<details>\n<summary>").append(escape(benchmark)).append(": ").append(problems.size())
                    .append(problems.size() == 1 ? " problem" : " problems").append("</summary>\n");
            table(h, new ReportTables.Table(ReportTables.PROBLEM_HEADER, "lrllll", problems.subList(0, shown)));
            if (shown < problems.size()) {
                h.append("<p>... and ").append(problems.size() - shown).append(" more (all in results.json)</p>\n");
            }
            h.append("</details>\n");
        }
        if (!any) {
            h.append("<p>None: every record was an item and every item was scored.</p>\n");
        }
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void predictions(StringBuilder h, BenchmarkScore s) {
        List<Prediction> ps = s.predictions();
        long right = ps.stream().filter(Prediction::correct).count();
        h.append("<details>\n<summary>").append(escape(s.model() + " (" + s.mode().label() + "): " + ps.size()
                + " predictions, " + right + " correct")).append("</summary>\n");
        if (ps.isEmpty()) {
            h.append("<p>None recorded.</p>\n</details>\n");
            return;
        }
        int shown = Math.min(PREDICTIONS_SHOWN, ps.size());
        if (shown < ps.size()) {
            h.append("<p>The first ").append(shown).append(" of ").append(ps.size())
                    .append("; all are in results.json.</p>\n");
        }
        h.append("<table>\n<tr><th class=\"r\">index</th><th>id</th><th>output</th><th>extracted</th><th>rule</th>"
                + "<th>correct</th></tr>\n");
        for (Prediction p : ps.subList(0, shown)) {
            h.append(p.correct() ? "<tr>" : "<tr class=\"wrong\">")
                    .append("<td class=\"r\">").append(p.index()).append("</td>")
                    .append("<td>").append(escape(p.id())).append("</td>")
                    .append("<td class=\"out\">").append(escape(p.output())).append("</td>")
                    .append("<td>").append(p.extracted() == null ? Format.MISSING : escape(p.extracted())).append("</td>")
                    .append("<td>").append(escape(p.rule())).append("</td>")
                    .append("<td>").append(p.correct() ? "yes" : "no").append("</td></tr>\n");
        }
        h.append("</table>\n</details>\n");
    }

    private static void table(StringBuilder h, ReportTables.Table table) {
        h.append("<table>\n<tr>");
        for (int c = 0; c < table.header().size(); c++) {
            h.append(table.align().charAt(c) == 'r' ? "<th class=\"r\">" : "<th>").append(escape(table.header().get(c)))
                    .append("</th>");
        }
        h.append("</tr>\n");
        for (List<String> row : table.rows()) {
            h.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                h.append(table.align().charAt(c) == 'r' ? "<td class=\"r\">" : "<td>").append(escape(row.get(c)))
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /**
     * Text and attribute values: the five characters HTML and XML give meaning to, as entities XML knows
     * too; characters XML 1.0 forbids (C0 controls but tab and line breaks, U+FFFE, U+FFFF) as U+FFFD.
     */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    boolean forbidden = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == '\uFFFE' || c == '\uFFFF';
                    out.append(forbidden ? '\uFFFD' : c);
                }
            }
        }
        return out.toString();
    }
}
