package org.vlmdistill.eval.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.eval.result.EvalReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReportFilesTest {
    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesTheThreeFilesAndNothingElse() throws Exception {
        Path dir = tmp.resolve("runs/eval-1");
        EvalReport report = SampleReports.sample();
        List<Path> written = ReportFiles.writeAll(report, dir);
        assertEquals(List.of(dir.resolve("results.json"), dir.resolve("results.md"), dir.resolve("report.html")), written);
        assertEquals(List.of("report.html", "results.json", "results.md"), names(dir));
        assertEquals(report, ResultsJson.read(written.get(0)));
        assertEquals(MarkdownReport.render(report), Files.readString(written.get(1)));
        assertEquals(HtmlReport.render(report), Files.readString(written.get(2)));

        // A second run into the same directory replaces the files.
        EvalReport empty = SampleReports.empty();
        ReportFiles.writeAll(empty, dir);
        assertEquals(List.of("report.html", "results.json", "results.md"), names(dir));
        assertEquals(empty, ResultsJson.read(written.get(0)));
        assertEquals(MarkdownReport.render(empty), Files.readString(written.get(1)));
    }
}
