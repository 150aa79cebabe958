package org.vlmdistill.vlmd.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.vlmd.demo.DemoSummary.Cell;
import org.vlmdistill.vlmd.demo.DemoSummary.Column;
import org.vlmdistill.vlmd.demo.DemoSummary.Row;
import org.vlmdistill.distill.train.ChartAxes;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.distill.train.Plots;
import org.vlmdistill.eval.report.HtmlReport;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The demo's report under its output directory: {@code report.md} and a self-contained
 * {@code report.html} (the table, TAID against SFT seed by seed, the score bars, each method's LM loss, objective
 * and distillation loss over steps, TAID's t and dt = t_step - t_(step-1) over steps, all with round axis ticks),
 * the plots as PNG files under {@code plots/}, and {@code summary.json} (the table's numbers, every
 * seed's value). The full evaluation (per category, predictions) is {@code eval/report.html}.
 */
public final class DemoReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, String> LOSS_NAMES = Map.ofEntries(Map.entry("taid", "TAID"),
            Map.entry("fkl", "KL"), Map.entry("rkl", "reverse KL"), Map.entry("sft", "SFT"),
            Map.entry("skew_kl", "skew KL"), Map.entry("skew_rkl", "skew reverse KL"), Map.entry("tvd", "TVD"),
            Map.entry("jsd", "GKD's JSD"), Map.entry("akl", "adaptive KL"), Map.entry("ctkd", "CTKD"),
            Map.entry("dkd", "DKD"));
    private static final List<Column> SCORES = List.of(Column.OPEN_GENERATE, Column.MCQ_GENERATE, Column.MCQ_LOGLIK);

    /** Each method's distillation loss ({@code distil} in metrics.jsonl) over steps, seeds averaged. */
    static final String DISTIL_PLOT = "distil_loss.png";
    /** TAID's {@code dt = t_step - t_(step-1)} over steps, one line per seed. */
    static final String DT_PLOT = "taid_dt.png";
    /** Every XY plot's size in pixels. */
    static final int PLOT_WIDTH = 900;
    static final int PLOT_HEIGHT = 450;

    private DemoReport() {
    }

    /** A row's name in tables: {@code teacher}, {@code student, untrained}, {@code student, TAID}. */
    public static String display(String method) {
        if (method.equals(Demo.TEACHER)) {
            return "teacher";
        }
        if (method.equals(Demo.UNTRAINED)) {
            return "student, untrained";
        }
        return "student, " + LOSS_NAMES.getOrDefault(method, method);
    }

    /** The final table in Markdown: a row per method, each score as mean ± standard deviation over seeds. */
    public static String table(DemoSummary s) {
        StringBuilder t = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("model", "parameters", "seeds"));
        for (Column c : Column.values()) {
            header.add(c.label());
        }
        t.append("| ").append(String.join(" | ", header)).append(" |\n");
        t.append("|---|---:|---:|").append("---:|".repeat(Column.values().length)).append('\n');
        for (Row r : s.rows()) {
            t.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
        return t.toString();
    }

    /** A row as the tables show it: model, parameters, seeds, then each column's mean ± sd. */
    private static List<String> cells(Row r) {
        List<String> cells = new ArrayList<>(List.of(display(r.method()), compact(r.parameters()),
                r.seeds().isEmpty() ? "—" : Integer.toString(r.seeds().size())));
        for (Column c : Column.values()) {
            cells.add(r.cell(c).map(x -> cell(c, x)).orElse("—"));
        }
        return cells;
    }

    /**
     * Each distilled student against SFT, seed by seed (same initial weights, same batches): the
     * difference in points per score, its mean, and how many seeds it won.
     */
    public static List<String> comparisons(DemoSummary s) {
        List<String> lines = new ArrayList<>();
        Optional<Row> sft = s.row("sft");
        if (sft.isEmpty()) {
            return lines;
        }
        for (Row r : s.rows()) {
            if (r.method().equals("sft") || r.method().equals(Demo.TEACHER) || r.method().equals(Demo.UNTRAINED)) {
                continue;
            }
            List<String> parts = new ArrayList<>();
            for (Column c : SCORES) {
                Optional<Cell> a = r.cell(c);
                Optional<Cell> b = sft.get().cell(c);
                if (a.isEmpty() || b.isEmpty() || a.get().values().size() != b.get().values().size()) {
                    continue;
                }
                List<Double> d = new ArrayList<>();
                int wins = 0;
                for (int i = 0; i < a.get().values().size(); i++) {
                    double diff = a.get().values().get(i) - b.get().values().get(i);
                    d.add(diff * 100);
                    wins += diff > 0 ? 1 : 0;
                }
                Cell diff = new Cell(d);
                parts.add(String.format(Locale.ROOT, "%s %+.1f points (%s; higher in %d of %d seeds)", c.label(),
                        diff.mean(), String.join(", ", d.stream().map(x -> String.format(Locale.ROOT, "%+.1f", x))
                                .toList()), wins, d.size()));
            }
            if (!parts.isEmpty()) {
                lines.add(display(r.method()) + " vs SFT: " + String.join("; ", parts));
            }
        }
        return lines;
    }

    /** Writes every file; returns them. */
    public static List<Path> write(DemoResult r, Path out) throws IOException {
        List<Path> written = new ArrayList<>();
        Path plots = out.resolve("plots");
        Files.createDirectories(plots);
        Map<TrainingRun.Result, List<JsonNode>> metrics = new LinkedHashMap<>();
        for (TrainingRun.Result s : r.students()) {
            metrics.put(s, MetricsLog.read(s.metrics()));
        }
        Map<String, byte[]> charts = new LinkedHashMap<>();
        charts.put("scores.png", scoreBars(r.summary()));
        lossCurves(r.settings(), metrics, "lm", "cross-entropy on the reference answers (every method logs it)")
                .ifPresent(p -> charts.put("lm_loss.png", p));
        lossCurves(r.settings(), metrics, "loss", "each method's own training objective").ifPresent(p -> charts.put("objective.png", p));
        lossCurves(r.settings(), metrics, "distil", "each method's distillation loss (SFT has none)")
                .ifPresent(p -> charts.put(DISTIL_PLOT, p));
        tCurves(metrics).ifPresent(p -> charts.put("taid_t.png", p));
        dtCurves(metrics).ifPresent(p -> charts.put(DT_PLOT, p));
        for (Map.Entry<String, byte[]> c : charts.entrySet()) {
            Path f = plots.resolve(c.getKey());
            AtomicFiles.write(f, c.getValue(), AtomicFiles.Durability.NO_SYNC);
            written.add(f);
        }
        Path md = out.resolve("report.md");
        AtomicFiles.write(md, markdown(r, charts.keySet()).getBytes(StandardCharsets.UTF_8),
                AtomicFiles.Durability.NO_SYNC);
        written.add(md);
        Path html = out.resolve("report.html");
        AtomicFiles.write(html, html(r, charts).getBytes(StandardCharsets.UTF_8), AtomicFiles.Durability.NO_SYNC);
        written.add(html);
        Path json = out.resolve("summary.json");
        AtomicFiles.write(json, JSON.writeValueAsBytes(summaryJson(r)), AtomicFiles.Durability.NO_SYNC);
        written.add(json);
        return written;
    }

    static String markdown(DemoResult r, java.util.Collection<String> charts) {
        StringBuilder m = new StringBuilder("# vlmd demo\n\n");
        m.append(intro(r)).append("\n\n");
        m.append(table(r.summary())).append('\n');
        m.append(notes()).append("\n\n");
        List<String> cmp = comparisons(r.summary());
        if (!cmp.isEmpty()) {
            m.append("## Against SFT, seed by seed\n\n");
            cmp.forEach(c -> m.append("- ").append(c).append('\n'));
            m.append('\n');
        }
        m.append("## Plots\n\n");
        for (String c : charts) {
            m.append("![").append(c).append("](plots/").append(c).append(")\n\n");
        }
        m.append("## Files\n\n").append(files()).append('\n');
        return m.toString();
    }

    static String html(DemoResult r, Map<String, byte[]> charts) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
                + "<title>vlmd demo</title>\n<style>\nbody { font-family: system-ui, sans-serif; margin: 2em auto; "
                + "max-width: 1100px; padding: 0 1em; color: #222; }\ntable { border-collapse: collapse; margin: 0.5em 0 "
                + "1.5em 0; }\nth, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }\nth { background: #f0f0f0; }\n"
                + "td.r { text-align: right; font-variant-numeric: tabular-nums; }\nimg { max-width: 100%; height: auto; }\n"
                + "p.meta { color: #555; }\n</style>\n</head>\n<body>\n<h1>vlmd demo</h1>\n");
        h.append("<p>").append(HtmlReport.escape(intro(r))).append("</p>\n<table>\n<tr><th>model</th><th>parameters</th>"
                + "<th>seeds</th>");
        for (Column c : Column.values()) {
            h.append("<th>").append(HtmlReport.escape(c.label())).append("</th>");
        }
        h.append("</tr>\n");
        for (Row row : r.summary().rows()) {
            List<String> cells = cells(row);
            h.append("<tr><td>").append(HtmlReport.escape(cells.getFirst())).append("</td>");
            for (String c : cells.subList(1, cells.size())) {
                h.append("<td class=\"r\">").append(HtmlReport.escape(c)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p class=\"meta\">").append(HtmlReport.escape(notes())).append("</p>\n");
        List<String> cmp = comparisons(r.summary());
        if (!cmp.isEmpty()) {
            h.append("<h2>Against SFT, seed by seed</h2>\n<ul>\n");
            cmp.forEach(c -> h.append("<li>").append(HtmlReport.escape(c)).append("</li>\n"));
            h.append("</ul>\n");
        }
        h.append("<h2>Plots</h2>\n");
        for (Map.Entry<String, byte[]> c : charts.entrySet()) {
            h.append("<p><img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(c.getValue()))
                    .append("\" alt=\"").append(HtmlReport.escape(c.getKey())).append("\" /></p>\n");
        }
        h.append("<h2>Files</h2>\n<p>").append(HtmlReport.escape(files())).append("</p>\n</body>\n</html>\n");
        return h.toString();
    }

    private static String intro(DemoResult r) {
        DemoSettings s = r.settings();
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT,
                "Shapes (seed %d): %d training records (and %d multiple-choice forms of them), %d held-out questions. "
                        + "Teacher: %s. Students: %s, %d steps of %d samples each, seeds %s; every loss starts from the "
                        + "same weights per seed and sees the same batches.",
                s.dataSeed(), s.trainRecords(), r.trainMultipleChoice(), s.testRecords(), r.teacherOrigin(),
                String.join(", ", s.losses().stream().map(l -> LOSS_NAMES.getOrDefault(l, l)).toList()),
                s.studentSteps(), s.batchSize(), s.seeds()));
        t.append(" Wall time: ");
        List<String> phases = new ArrayList<>();
        r.seconds().forEach((k, v) -> phases.add(String.format(Locale.ROOT, "%s %.0f s", k, v)));
        t.append(String.join(", ", phases)).append('.');
        return t.toString();
    }

    private static String notes() {
        return "Scores in percent as mean ± standard deviation over seeds. Open questions: exact match of the "
                + "generated answer. Multiple choice: the letter in the generated answer (VLMEvalKit's rule), or the "
                + "option whose text the model finds most likely (loglik); chance 25%. Agreement: teacher-forced on "
                + "the reference answers of the open questions, the share of answer tokens where the model's most "
                + "likely next token is the teacher's, and the mean KL from the teacher's distribution to the model's.";
    }

    private static String files() {
        return "eval/report.html (per category, every prediction), eval/results.json, runs/LOSS-seedS/ (metrics.jsonl, "
                + "plots, the trained model under checkpoints/), runs/LOSS-seedS.json (its config: vlmd distill --config "
                + "repeats it), data/ (the Shapes files), teacher/ (the teacher, a Hugging Face directory).";
    }

    static String cell(Column c, Cell x) {
        if (c.fraction()) {
            return Double.isNaN(x.sd()) ? String.format(Locale.ROOT, "%.1f%%", 100 * x.mean())
                    : String.format(Locale.ROOT, "%.1f%% ± %.1f", 100 * x.mean(), 100 * x.sd());
        }
        return Double.isNaN(x.sd()) ? String.format(Locale.ROOT, "%.3f", x.mean())
                : String.format(Locale.ROOT, "%.3f ± %.3f", x.mean(), x.sd());
    }

    static String compact(long n) {
        if (n >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        }
        return n >= 1000 ? String.format(Locale.ROOT, "%.1fK", n / 1e3) : Long.toString(n);
    }

    private static byte[] scoreBars(DemoSummary s) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(450)
                .title("Held-out Shapes: mean over seeds, bars ± one standard deviation").yAxisTitle("score (%)")
                .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setYAxisDecimalPattern("0");
        List<String> groups = SCORES.stream().map(Column::label).toList();
        for (Row r : s.rows()) {
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (Column c : SCORES) {
                Optional<Cell> cell = r.cell(c);
                y.add(cell.map(x -> 100 * x.mean()).orElse(0.0));
                err.add(cell.map(x -> Double.isNaN(x.sd()) ? 0.0 : 100 * x.sd()).orElse(0.0));
            }
            chart.addSeries(display(r.method()), groups, y, err);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** One line per loss: {@code key} per step, averaged over seeds, then a moving average over 2% of the run. */
    private static Optional<byte[]> lossCurves(DemoSettings settings, Map<TrainingRun.Result, List<JsonNode>> metrics,
                                               String key, String subtitle) throws IOException {
        XYChart chart = new XYChartBuilder().width(PLOT_WIDTH).height(PLOT_HEIGHT).title("Students' training loss: " + subtitle)
                .xAxisTitle("optimizer step").yAxisTitle(key).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        boolean any = false;
        for (String loss : settings.losses()) {
            List<List<JsonNode>> runs = metrics.entrySet().stream().filter(e -> e.getKey().run().loss().equals(loss))
                    .map(Map.Entry::getValue).toList();
            double[] mean = meanOverRuns(runs, key);
            if (mean.length == 0) {
                continue;
            }
            double[] smooth = movingAverage(mean, Math.max(1, mean.length / 50));
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < smooth.length; i++) {
                if (Double.isFinite(smooth[i])) {
                    x.add(i + 1.0);
                    y.add(smooth[i]);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(display(loss), x, y).setMarker(SeriesMarkers.NONE);
                any = true;
            }
        }
        return any ? Optional.of(png(chart)) : Optional.empty();
    }

    private static Optional<byte[]> tCurves(Map<TrainingRun.Result, List<JsonNode>> metrics) throws IOException {
        return perRun(metrics, m -> m, "t",
                "TAID's interpolation t (linear floor from t_start to 1, pushed up by the adaptive update)",
                Styler.LegendPosition.InsideSE);
    }

    /** TAID's dt = t_step - t_(step-1) ({@link Plots#tIncrements}): the adaptive update's push above the floor. */
    private static Optional<byte[]> dtCurves(Map<TrainingRun.Result, List<JsonNode>> metrics) throws IOException {
        return perRun(metrics, Plots::tIncrements, Plots.DT, "TAID's dt = t(step) - t(step - 1)",
                Styler.LegendPosition.InsideNE);
    }

    /** One line per TAID run: {@code key} of {@code rows(metrics)} against the step. */
    private static Optional<byte[]> perRun(Map<TrainingRun.Result, List<JsonNode>> metrics,
                                           Function<List<JsonNode>, List<JsonNode>> rows, String key, String title,
                                           Styler.LegendPosition legend) throws IOException {
        XYChart chart = new XYChartBuilder().width(PLOT_WIDTH).height(PLOT_HEIGHT).title(title)
                .xAxisTitle("optimizer step").yAxisTitle(key).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(legend);
        boolean any = false;
        for (Map.Entry<TrainingRun.Result, List<JsonNode>> run : metrics.entrySet()) {
            TrainingRun.Result s = run.getKey();
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (JsonNode m : rows.apply(run.getValue())) {
                if (m.path(key).isNumber() && m.path("step").isNumber()) {
                    x.add(m.path("step").asDouble());
                    y.add(m.path(key).asDouble());
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(Demo.runName(s.run().loss(), s.run().seed()), x, y).setMarker(SeriesMarkers.NONE);
                any = true;
            }
        }
        return any ? Optional.of(png(chart)) : Optional.empty();
    }

    /** The chart with round ticks ({@link ChartAxes}) as PNG bytes. */
    private static byte[] png(XYChart chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(ChartAxes.roundTicks(chart), BitmapEncoder.BitmapFormat.PNG);
    }

    static double[] meanOverRuns(List<List<JsonNode>> runs, String key) {
        int steps = runs.stream().mapToInt(List::size).min().orElse(0);
        double[] mean = new double[steps];
        for (int i = 0; i < steps; i++) {
            double sum = 0;
            int n = 0;
            for (List<JsonNode> run : runs) {
                JsonNode v = run.get(i).get(key);
                if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                    sum += v.asDouble();
                    n++;
                }
            }
            mean[i] = n == 0 ? Double.NaN : sum / n;
        }
        return mean;
    }

    /** The mean of each value and the {@code window - 1} before it (fewer at the start); NaNs are skipped. */
    static double[] movingAverage(double[] v, int window) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double sum = 0;
            int n = 0;
            for (int j = Math.max(0, i - window + 1); j <= i; j++) {
                if (Double.isFinite(v[j])) {
                    sum += v[j];
                    n++;
                }
            }
            out[i] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    private static ObjectNode summaryJson(DemoResult r) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode settings = JSON.valueToTree(r.settings());
        root.set("settings", settings);
        root.put("teacher", r.teacher().toString());
        root.put("teacher_origin", r.teacherOrigin());
        ObjectNode seconds = root.putObject("seconds");
        r.seconds().forEach(seconds::put);
        ArrayNode rows = root.putArray("rows");
        for (Row row : r.summary().rows()) {
            ObjectNode o = rows.addObject();
            o.put("method", row.method());
            o.put("parameters", row.parameters());
            ArrayNode seeds = o.putArray("seeds");
            row.seeds().forEach(seeds::add);
            ObjectNode cells = o.putObject("scores");
            for (Column c : Column.values()) {
                row.cell(c).ifPresent(x -> {
                    ObjectNode cell = cells.putObject(c.name().toLowerCase(Locale.ROOT));
                    cell.put("mean", x.mean());
                    if (!Double.isNaN(x.sd())) {
                        cell.put("sd", x.sd());
                    }
                    ArrayNode values = cell.putArray("values");
                    x.values().forEach(values::add);
                });
            }
        }
        ObjectNode chance = root.putObject("chance");
        r.summary().chance().forEach((c, v) -> {
            if (Double.isFinite(v)) {
                chance.put(c.name().toLowerCase(Locale.ROOT), v);
            }
        });
        return root;
    }
}
