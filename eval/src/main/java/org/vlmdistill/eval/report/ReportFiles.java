package org.vlmdistill.eval.report;

import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.eval.result.EvalReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The three files of an eval run's report, each replaced atomically so a reader never sees half of one. */
public final class ReportFiles {
    private ReportFiles() {
    }

    /** Creates {@code dir} and writes {@code results.json}, {@code results.md}, {@code report.html} in it. */
    public static List<Path> writeAll(EvalReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path json = dir.resolve("results.json");
        Path md = dir.resolve("results.md");
        Path html = dir.resolve("report.html");
        // Rendered before anything is written: a report the renderers refuse leaves no partial set.
        byte[] mdBytes = MarkdownReport.render(report).getBytes(StandardCharsets.UTF_8);
        byte[] htmlBytes = HtmlReport.render(report).getBytes(StandardCharsets.UTF_8);
        ResultsJson.write(report, json);
        AtomicFiles.write(md, mdBytes, AtomicFiles.Durability.SYNC);
        AtomicFiles.write(html, htmlBytes, AtomicFiles.Durability.SYNC);
        return List.of(json, md, html);
    }
}
