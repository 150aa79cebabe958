package org.vlmdistill.eval.report;

import org.junit.jupiter.api.Test;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.Metric;
import org.vlmdistill.eval.result.ScoringMode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** The page is written as well-formed XML, so a strict parser checks every element is closed. */
    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void pageIsWellFormedAndSelfContained() throws Exception {
        String html = HtmlReport.render(SampleReports.sample());
        assertTrue(html.startsWith("<!DOCTYPE html>\n<html"), html.substring(0, 40));
        assertEquals(count(html, "<table"), count(html, "</table>"));
        assertEquals(count(html, "<details"), count(html, "</details>"));
        Document doc = parse(html);
        assertEquals("html", doc.getDocumentElement().getTagName());
        assertEquals(1, doc.getElementsByTagName("h1").getLength());

        assertFalse(html.contains("http://"), "external reference");
        assertFalse(html.contains("https://"), "external reference");
        assertFalse(html.contains("<script"), "script");
        assertFalse(html.contains("<link"), "linked resource");
        assertEquals(count(html, " src=\""), count(html, " src=\"data:image/png;base64,"));
    }

    @Test
    void oneDecodablePngChartPerBenchmark() throws Exception {
        String html = HtmlReport.render(SampleReports.sample());
        Matcher m = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" alt=\"([^\"]+)\"").matcher(html);
        List<String> alts = new ArrayList<>();
        while (m.find()) {
            byte[] png = Base64.getDecoder().decode(m.group(1));
            assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, 8));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(image);
            assertTrue(image.getWidth() > 0 && image.getHeight() > 0);
            alts.add(m.group(2));
        }
        assertEquals(2, alts.size());
        // The text alternative carries the numbers the bars show.
        assertTrue(alts.getFirst().contains("shapes_mcq") && alts.getFirst().contains("student-256m loglik 73.3%")
                && alts.getFirst().contains("chance 25.0%"), alts.getFirst());
        assertTrue(alts.get(1).contains("pope_mini") && !alts.get(1).contains("chance"), alts.get(1));
    }

    @Test
    void mainTableMatchesTheMarkdownOne() throws Exception {
        Document doc = parse(HtmlReport.render(SampleReports.sample()));
        Element main = null;
        NodeList tables = doc.getElementsByTagName("table");
        for (int i = 0; i < tables.getLength() && main == null; i++) {
            Element t = (Element) tables.item(i);
            if (t.getElementsByTagName("th").item(0).getTextContent().equals("benchmark (mode)")) {
                main = t;
            }
        }
        assertNotNull(main);
        NodeList rows = main.getElementsByTagName("tr");
        assertEquals(List.of("benchmark (mode)", "metric", SampleReports.STUDENT, SampleReports.TEACHER, "chance"),
                texts((Element) rows.item(0), "th"));
        assertEquals(List.of("shapes_mcq (loglik)", "accuracy", "73.3% (n=30)", "90.0% (n=30)", "25.0%"),
                texts((Element) rows.item(1), "td"));
    }

    private static List<String> texts(Element row, String tag) {
        NodeList cells = row.getElementsByTagName(tag);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < cells.getLength(); i++) {
            out.add(cells.item(i).getTextContent());
        }
        return out;
    }

    @Test
    void modelOutputIsEscaped() throws Exception {
        String html = HtmlReport.render(SampleReports.sample());
        assertTrue(html.contains("<td class=\"out\">&lt;b&gt;&amp;&quot;&#39;</td>"), "escaped output");
        assertFalse(html.contains("<b>&"), "raw output");
        assertTrue(html.contains("<td class=\"out\">a|b</td>"));
        assertEquals("&lt;&gt;&amp;&quot;&#39;\uFFFD\t\n", HtmlReport.escape("<>&\"'\u0000\t\n"));
        // And it survives as text: the parsed page holds the original string in a cell.
        Document doc = parse(html);
        NodeList cells = doc.getElementsByTagName("td");
        boolean found = false;
        for (int i = 0; i < cells.getLength(); i++) {
            found |= cells.item(i).getTextContent().equals(SampleReports.TRICKY);
        }
        assertTrue(found);
    }

    @Test
    void predictionsAndProblemsAreCollapsedAndCapped() throws Exception {
        String html = HtmlReport.render(SampleReports.sample(2, 250));
        assertTrue(html.contains("<summary>student-256m (loglik): 250 predictions, 83 correct</summary>"), "summary");
        assertTrue(html.contains("The first 200 of 250; all are in results.json."));
        String section = html.substring(html.indexOf("<summary>student-256m (loglik)"));
        section = section.substring(0, section.indexOf("</details>"));
        assertEquals(1 + HtmlReport.PREDICTIONS_SHOWN, count(section, "<tr"));
        assertTrue(html.contains("<summary>shapes_mcq: 4 problems</summary>"), "problems summary");
        assertTrue(html.contains("<summary>pope_mini: 2 problems</summary>"), "problems summary");
        parse(html);
    }

    @Test
    void missingScoresPointsAndNaNHeadlinesAreDrawnOrLeftOut() throws Exception {
        EvalReport sample = SampleReports.sample();
        List<BenchmarkScore> scores = new ArrayList<>();
        for (BenchmarkScore s : sample.scores()) {
            if (s.benchmark().equals(SampleReports.YES_NO)) {
                double points = s.model().equals(SampleReports.TEACHER) ? 1480 : Double.NaN;
                scores.add(new BenchmarkScore(s.model(), s.benchmark(), s.mode(), List.of(new Metric("mme_score", points,
                        28)), Map.of(), List.of(), List.of(), 1, 1));
            } else if (!(s.model().equals(SampleReports.STUDENT) && s.mode() == ScoringMode.GENERATE)) {
                scores.add(s);
            }
        }
        EvalReport report = new EvalReport(sample.created(), sample.versions(), sample.settings(), sample.models(),
                sample.benchmarks(), scores, List.of());
        String html = HtmlReport.render(report);
        parse(html);
        Matcher m = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" alt=\"([^\"]+)\"").matcher(html);
        List<String> alts = new ArrayList<>();
        while (m.find()) {
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))));
            alts.add(m.group(2));
        }
        assertEquals(2, alts.size());
        assertFalse(alts.getFirst().contains("student-256m generate"), alts.getFirst());
        assertTrue(alts.get(1).contains("teacher-2b generate 1480.0"), alts.get(1));
        assertTrue(html.contains("<td>pope_mini (generate)</td><td>mme_score</td><td class=\"r\">— (n=28)</td>"
                + "<td class=\"r\">1480.0 (n=28)</td>"), "points row");
        assertTrue(html.contains("<td>shapes_mcq (generate)</td><td>accuracy</td><td class=\"r\">—</td>"), "missing cell");
    }

    @Test
    void anEmptyReportStillRenders() throws Exception {
        String html = HtmlReport.render(SampleReports.empty());
        assertTrue(html.contains("No scores."));
        assertFalse(html.contains("<img"));
        parse(html);
    }
}
