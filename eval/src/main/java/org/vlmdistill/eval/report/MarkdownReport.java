package org.vlmdistill.eval.report;

import org.vlmdistill.eval.result.EvalReport;

import java.util.List;
import java.util.Optional;

/**
 * {@code results.md}: the report as GitHub-flavoured Markdown, for a README or a pull request. Sections:
 * models, benchmark files, the results table (rows benchmark x mode, a column per model, chance), per
 * category, agreement with the reference, timing, problems. Predictions are left to the HTML page and
 * {@code results.json}.
 */
public final class MarkdownReport {
    private MarkdownReport() {
    }

    /** The head of the report: provenance, settings, models, benchmarks and the main results table. */
    public static String summary(EvalReport report) {
        return summary(report, new ReportTables(report)).toString();
    }

    private static StringBuilder summary(EvalReport report, ReportTables t) {
        StringBuilder md = new StringBuilder();
        md.append("# Evaluation report\n\n");
        md.append(text(t.provenanceLine())).append("\n\n");
        md.append(text(t.settingsLine())).append("\n\n");

        md.append("## Models\n\n");
        table(md, t.modelTable());

        md.append("## Benchmarks\n\n");
        table(md, t.benchmarkTable());

        md.append("## Results\n\n");
        md.append("Headline metric of each benchmark and scoring mode; fractions in percent, n = items (or groups) "
                + "it was computed over; chance = the headline score of guessing uniformly.\n\n");
        if (t.rows().isEmpty()) {
            md.append("No scores.\n\n");
        } else {
            table(md, t.mainTable());
        }
        return md;
    }

    /** The whole report: {@link #summary} then categories, agreement, timing and problems. */
    public static String render(EvalReport report) {
        ReportTables t = new ReportTables(report);
        StringBuilder md = summary(report, t);
        StringBuilder categories = new StringBuilder();
        for (String benchmark : t.benchmarkNames()) {
            Optional<ReportTables.Table> c = t.categoryTable(benchmark);
            if (c.isPresent()) {
                categories.append("### ").append(text(benchmark)).append("\n\n");
                table(categories, c.get());
            }
        }
        if (!categories.isEmpty()) {
            md.append("## Per category\n\n").append(categories);
        }

        if (!report.agreements().isEmpty()) {
            md.append("## Agreement with the reference model\n\n");
            md.append(ReportTables.AGREEMENT_EXPLAINED).append("\n\n");
            table(md, t.agreementTable());
        }

        if (!t.rows().isEmpty()) {
            md.append("## Timing\n\n");
            table(md, t.timingTable());
        }

        md.append("## Problems\n\n");
        boolean any = false;
        for (String benchmark : t.benchmarkNames()) {
            List<List<String>> problems = t.problems(benchmark);
            if (problems.isEmpty()) {
                continue;
            }
            any = true;
            md.append("### ").append(text(benchmark)).append(" (").append(problems.size()).append(")\n\n");
            table(md, new ReportTables.Table(ReportTables.PROBLEM_HEADER, "lrllll",
                    problems.subList(0, Math.min(ReportTables.PROBLEMS_SHOWN, problems.size()))));
            if (problems.size() > ReportTables.PROBLEMS_SHOWN) {
                md.append("... and ").append(problems.size() - ReportTables.PROBLEMS_SHOWN).append(" more (all in results.json)\n\n");
            }
        }
        if (!any) {
            md.append("None: every record was an item and every item was scored.\n\n");
        }
        return md.toString();
    }

    private static void table(StringBuilder md, ReportTables.Table table) {
        row(md, table.header());
        md.append('|');
        for (char a : table.align().toCharArray()) {
            md.append(a == 'r' ? " ---: |" : " --- |");
        }
        md.append('\n');
        for (List<String> cells : table.rows()) {
            row(md, cells);
        }
        md.append('\n');
    }

    private static void row(StringBuilder md, List<String> cells) {
        md.append('|');
        for (String cell : cells) {
            md.append(' ').append(cell(cell)).append(" |");
        }
        md.append('\n');
    }

    /**
     * A table cell: '|' would end the cell and a line break the row; '<' and '&' would let text (model
     * output, file contents) become HTML where the Markdown is rendered.
     */
    static String cell(String s) {
        return text(s).replace("|", "\\|").replaceAll("\\R", " ");
    }

    private static String text(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
