package org.vlmdistill.vlmd.capacitygap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.distill.train.ChartAxes;
import org.vlmdistill.distill.train.Plots;
import org.vlmdistill.vlmd.capacitygap.CapacityGap.Curves;
import org.vlmdistill.vlmd.capacitygap.CapacityGap.Result;
import org.vlmdistill.vlmd.capacitygap.CapacityGap.StudentRun;
import org.vlmdistill.vlmd.capacitygap.CapacityGap.TeacherResult;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The capacity-gap report: {@code capacity_gap.md} (tables), {@code capacity_gap.json} (every value),
 * {@code capacity_gap.png} (student CE against teacher parameters), {@code capacity_gap_loss.png} (each
 * method's distillation loss over steps, largest teacher), {@code capacity_gap_taid_t.png} and
 * {@code capacity_gap_taid_dt.png} (TAID's t and its change per step, every teacher). Every chart has
 * round ticks ({@link ChartAxes#roundTicks}).
 */
public final class CapacityGapReport {
    public static final String MARKDOWN = "capacity_gap.md";
    public static final String JSON_FILE = "capacity_gap.json";
    public static final String PLOT = "capacity_gap.png";
    public static final String LOSS_PLOT = "capacity_gap_loss.png";
    public static final String T_PLOT = "capacity_gap_taid_t.png";
    public static final String DT_PLOT = "capacity_gap_taid_dt.png";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CapacityGapReport() {
    }

    public static void write(Result r, Path out) throws IOException {
        AtomicFiles.write(out.resolve(MARKDOWN), markdown(r).getBytes(StandardCharsets.UTF_8),
                AtomicFiles.Durability.NO_SYNC);
        AtomicFiles.write(out.resolve(JSON_FILE), JSON.writeValueAsBytes(json(r)), AtomicFiles.Durability.NO_SYNC);
        AtomicFiles.write(out.resolve(PLOT), scorePlot(r), AtomicFiles.Durability.NO_SYNC);
        AtomicFiles.write(out.resolve(LOSS_PLOT), lossPlot(r), AtomicFiles.Durability.NO_SYNC);
        if (r.settings().methods().stream().anyMatch(m -> m.startsWith("taid"))) {
            AtomicFiles.write(out.resolve(T_PLOT), tPlot(r), AtomicFiles.Durability.NO_SYNC);
            AtomicFiles.write(out.resolve(DT_PLOT), dtPlot(r), AtomicFiles.Durability.NO_SYNC);
        }
    }

    /** Mean and sample standard deviation (n - 1; NaN for one value) of {@code values}. */
    record Spread(double mean, double sd, List<Double> values) {
        static Spread of(List<Double> values) {
            double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Spread(mean, values.size() < 2 ? Double.NaN : Math.sqrt(ss / (values.size() - 1)), values);
        }

        String format(String f) {
            String m = String.format(Locale.ROOT, f, mean);
            String s = Double.isNaN(sd) ? "" : " ± " + String.format(Locale.ROOT, f, sd);
            return m + s + (values.size() < 2 ? "" : " (" + String.join(", ",
                    values.stream().map(v -> String.format(Locale.ROOT, f, v)).toList()) + ")");
        }
    }

    static Spread spread(TeacherResult t, String method, ToDoubleFunction<TruthScore> f) {
        return Spread.of(t.students(method).stream().map(s -> f.applyAsDouble(s.score())).toList());
    }

    public static String display(String method) {
        return switch (method) {
            case "taid" -> "TAID (adaptive)";
            case "taid_linear" -> "TAID (linear t)";
            case "fkl" -> "KL";
            case "rkl" -> "reverse KL";
            case "skew_kl" -> "skew KL";
            default -> method;
        };
    }

    static String compact(long n) {
        return n >= 1_000_000 ? String.format(Locale.ROOT, "%.2fM", n / 1e6)
                : n >= 1000 ? String.format(Locale.ROOT, "%.1fK", n / 1e3) : Long.toString(n);
    }

    public static String markdown(Result r) {
        CapacityGapSettings s = r.settings();
        StringBuilder m = new StringBuilder("# Capacity gap, truth known\n\n");
        m.append(String.format(Locale.ROOT, "Hidden Markov process (seed %d): %d states, %d words, %d successors and "
                        + "%d emitted words per state; records of %d prompt and %d continuation tokens; %d training, %d "
                        + "held-out (%d scored positions). Truth entropy H = %.4f nats per token: the floor of every "
                        + "cross entropy below.%n%n", s.dataSeed(), s.process().states(), s.process().vocabulary(),
                s.process().successors(), s.process().emissions(), s.process().promptTokens(),
                s.process().continuationTokens(), s.trainRecords(), s.testRecords(),
                r.untrained().isEmpty() ? 0 : r.untrained().getFirst().positions(), r.truthEntropy()));
        m.append(String.format(Locale.ROOT, "Student: Llama %d wide, %d layer(s), %s parameters; untrained CE %.4f. "
                        + "Teachers: %d SFT steps of %d (peak lr %s); students: %d steps of %d (peak lr %s, cosine, 5%% "
                        + "warm-up), seeds %s, the same initial weights and batches per seed for every method and "
                        + "teacher. Wall time so far: %.0f s.%n%n", s.student().hidden(), s.student().layers(),
                compact(r.studentParameters()), r.untrained().isEmpty() ? Double.NaN
                        : r.untrained().getFirst().crossEntropy(), s.teacherSteps(), s.batchSize(), s.teacherLr(),
                s.studentSteps(), s.batchSize(), s.studentLr(), s.seeds(), r.seconds()));
        m.append("## Teachers\n\n| teacher | shape | parameters | CE | CE − H | top-1 | SFT time |\n"
                + "|---|---|---:|---:|---:|---:|---:|\n");
        for (TeacherResult t : r.teachers()) {
            m.append(String.format(Locale.ROOT, "| %s | %dx%d | %s | %.4f | %.4f | %.1f%% | %.0f s |%n",
                    t.shape().name(), t.shape().hidden(), t.shape().layers(), compact(t.parameters()),
                    t.score().crossEntropy(), t.score().kl(), 100 * t.score().top1(), t.seconds()));
        }
        m.append('\n');
        table(m, r, "Students: KL(truth ‖ student) = CE − H, nats per token (lower is better)", TruthScore::kl, "%.4f",
                true);
        table(m, r, "Students: cross entropy against the truth, nats per token", TruthScore::crossEntropy, "%.4f",
                false);
        table(m, r, "Students: top-1 agreement with the truth's most likely word, %", x -> 100 * x.top1(), "%.1f",
                false);
        if (s.methods().contains("taid") && s.methods().contains("taid_linear")) {
            m.append("## TAID: adaptive against linear t\n\nPer teacher, KL(truth ‖ student) of the linear schedule "
                    + "minus that of the adaptive one, paired by seed (positive: adaptive is better); mean ± sd over "
                    + "seeds, and the seeds where adaptive is better.\n\n| teacher | linear − adaptive | adaptive better |\n"
                    + "|---|---:|---:|\n");
            for (TeacherResult t : r.teachers()) {
                List<StudentRun> a = t.students("taid");
                List<StudentRun> l = t.students("taid_linear");
                List<Double> d = new ArrayList<>();
                for (int i = 0; i < Math.min(a.size(), l.size()); i++) {
                    d.add(l.get(i).score().kl() - a.get(i).score().kl());
                }
                m.append(String.format(Locale.ROOT, "| %s | %s | %d of %d |%n", t.shape().name(),
                        Spread.of(d).format("%+.4f"), d.stream().filter(x -> x > 0).count(), d.size()));
            }
            m.append('\n');
        }
        m.append("![student CE against teacher size](").append(PLOT).append(")\n\n![distillation loss over steps](")
                .append(LOSS_PLOT).append(")\n\n![TAID t over steps](").append(T_PLOT)
                .append(")\n\n![TAID's change of t per step](").append(DT_PLOT).append(")\n");
        return m.toString();
    }

    /**
     * Methods by teachers, mean ± sd (per seed); with {@code trend}, a column saying whether the mean falls
     * with every larger teacher and how far it moves from the smallest to the largest teacher against
     * the largest seed sd.
     */
    private static void table(StringBuilder m, Result r, String title, ToDoubleFunction<TruthScore> f, String format,
                              boolean trend) {
        m.append("## ").append(title).append("\n\n| method |");
        r.teachers().forEach(t -> m.append(' ').append(t.shape().name()).append(" (").append(compact(t.parameters()))
                .append(") |"));
        m.append(trend ? " trend with teacher size |\n|---|" : "\n|---|")
                .append("---:|".repeat(r.teachers().size())).append(trend ? "---|\n" : "\n");
        for (String method : r.settings().methods()) {
            m.append("| ").append(display(method)).append(" |");
            List<Spread> row = r.teachers().stream().map(t -> spread(t, method, f)).toList();
            row.forEach(x -> m.append(' ').append(x.format(format)).append(" |"));
            if (trend) {
                m.append(' ').append(trend(row)).append(" |");
            }
            m.append('\n');
        }
        m.append('\n');
    }

    static String trend(List<Spread> row) {
        if (row.size() < 2) {
            return "—";
        }
        boolean falls = true;
        boolean rises = true;
        for (int i = 1; i < row.size(); i++) {
            falls &= row.get(i).mean() < row.get(i - 1).mean();
            rises &= row.get(i).mean() > row.get(i - 1).mean();
        }
        double change = row.getLast().mean() - row.getFirst().mean();
        double sd = row.stream().mapToDouble(Spread::sd).filter(Double::isFinite).max().orElse(Double.NaN);
        return (falls ? "falls with every larger teacher" : rises ? "rises with every larger teacher" : "not monotone")
                + String.format(Locale.ROOT, "; largest − smallest %+.4f",
                change) + (Double.isNaN(sd) ? "" : String.format(Locale.ROOT, " (largest seed sd %.4f)", sd));
    }

    static ObjectNode json(Result r) {
        ObjectNode root = JSON.createObjectNode();
        root.set("settings", JSON.valueToTree(r.settings()));
        root.put("truth_entropy", r.truthEntropy());
        root.put("student_parameters", r.studentParameters());
        root.put("wall_seconds", r.seconds());
        ArrayNode untrained = root.putArray("untrained_student");
        for (int i = 0; i < r.untrained().size(); i++) {
            score(untrained.addObject().put("seed", r.settings().seeds().get(i)), r.untrained().get(i));
        }
        ArrayNode teachers = root.putArray("teachers");
        for (TeacherResult t : r.teachers()) {
            ObjectNode o = teachers.addObject();
            o.put("name", t.shape().name());
            o.put("hidden", t.shape().hidden());
            o.put("layers", t.shape().layers());
            o.put("parameters", t.parameters());
            o.put("sft_seconds", t.seconds());
            score(o.putObject("score"), t.score());
            ObjectNode students = o.putObject("students");
            for (String method : r.settings().methods()) {
                ArrayNode runs = students.putArray(method);
                for (StudentRun s : t.students(method)) {
                    ObjectNode x = runs.addObject().put("seed", s.seed()).put("seconds", s.seconds());
                    score(x, s.score());
                    ObjectNode curves = x.putObject("curves");
                    curve(curves.putArray("step"), s.curves().step());
                    curve(curves.putArray("loss"), s.curves().loss());
                    if (s.method().startsWith("taid")) {
                        curve(curves.putArray("t"), s.curves().t());
                        curve(curves.putArray("dt"), s.curves().dt());
                    }
                }
            }
        }
        return root;
    }

    /** A curve's values; a non-finite one as null. */
    private static void curve(ArrayNode a, double[] v) {
        for (double x : v) {
            if (Double.isFinite(x)) {
                a.add(x);
            } else {
                a.addNull();
            }
        }
    }

    /**
     * The result a {@link #JSON_FILE} holds, as {@link #write} wrote it: to redraw the report (tables and
     * plots) without training again. Errors name the file.
     */
    public static Result read(Path file) throws IOException {
        com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(file.toFile());
        try {
            CapacityGapSettings s = JSON.treeToValue(root.get("settings"), CapacityGapSettings.class);
            List<TruthScore> untrained = new ArrayList<>();
            root.path("untrained_student").forEach(u -> untrained.add(score(u)));
            List<TeacherResult> teachers = new ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode t : root.path("teachers")) {
                List<StudentRun> students = new ArrayList<>();
                for (String method : s.methods()) {
                    for (com.fasterxml.jackson.databind.JsonNode x : t.path("students").path(method)) {
                        com.fasterxml.jackson.databind.JsonNode c = x.path("curves");
                        double[] step = values(c.path("step"), 0);
                        students.add(new StudentRun(method, x.path("seed").asLong(), score(x), x.path("seconds").asDouble(),
                                new Curves(step, values(c.path("loss"), step.length), values(c.path("t"), step.length),
                                        values(c.path("dt"), step.length))));
                    }
                }
                teachers.add(new TeacherResult(new CapacityGapSettings.Shape(t.path("name").asText(),
                        t.path("hidden").asInt(), t.path("layers").asInt()), t.path("parameters").asLong(),
                        score(t.path("score")), t.path("sft_seconds").asDouble(), students));
            }
            return new Result(s, root.path("truth_entropy").asDouble(), root.path("student_parameters").asLong(),
                    untrained, teachers, root.path("wall_seconds").asDouble());
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not a capacity-gap result (" + e.getMessage() + ")", e);
        }
    }

    private static TruthScore score(com.fasterxml.jackson.databind.JsonNode o) {
        return new TruthScore(o.path("cross_entropy").asDouble(Double.NaN), o.path("entropy").asDouble(Double.NaN),
                o.path("top1").asDouble(Double.NaN), o.path("positions").asLong());
    }

    /** An array's numbers, null as NaN; a missing array as {@code n} NaNs. */
    private static double[] values(com.fasterxml.jackson.databind.JsonNode a, int n) {
        if (!a.isArray()) {
            double[] nan = new double[n];
            java.util.Arrays.fill(nan, Double.NaN);
            return nan;
        }
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).isNumber() ? a.get(i).asDouble() : Double.NaN;
        }
        return v;
    }

    private static void score(ObjectNode o, TruthScore s) {
        o.put("cross_entropy", s.crossEntropy());
        o.put("entropy", s.entropy());
        o.put("kl", s.kl());
        o.put("top1", s.top1());
        o.put("positions", s.positions());
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return c;
    }

    static byte[] scorePlot(Result r) throws IOException {
        XYChart c = chart("Capacity gap: student cross entropy against the truth (mean ± sd over seeds)",
                "teacher parameters (log scale)", "cross entropy against the truth (nats per token)");
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisDecimalPattern("0.000");
        List<Double> x = r.teachers().stream().map(t -> (double) t.parameters()).toList();
        for (String method : r.settings().methods()) {
            List<Double> y = new ArrayList<>();
            List<Double> e = new ArrayList<>();
            for (TeacherResult t : r.teachers()) {
                Spread sp = spread(t, method, TruthScore::crossEntropy);
                y.add(sp.mean());
                e.add(Double.isNaN(sp.sd()) ? 0.0 : sp.sd());
            }
            c.addSeries(display(method), x, y, e).setMarker(SeriesMarkers.CIRCLE);
        }
        var own = c.addSeries("the teacher", x, r.teachers().stream().map(t -> t.score().crossEntropy()).toList());
        own.setLineStyle(SeriesLines.DASH_DASH);
        own.setMarker(SeriesMarkers.SQUARE);
        own.setLineColor(Color.DARK_GRAY);
        own.setMarkerColor(Color.DARK_GRAY);
        var floor = c.addSeries("truth (H, the floor)", List.of(x.getFirst(), x.getLast()),
                List.of(r.truthEntropy(), r.truthEntropy()));
        floor.setLineStyle(SeriesLines.DOT_DOT);
        floor.setMarker(SeriesMarkers.NONE);
        floor.setLineColor(Color.BLACK);
        return BitmapEncoder.getBitmapBytes(ChartAxes.roundTicks(c), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Each method's distillation loss per step, mean over seeds, for the largest teacher. */
    static byte[] lossPlot(Result r) throws IOException {
        TeacherResult t = r.teachers().getLast();
        XYChart c = chart("Distillation loss over steps, teacher " + t.shape().name() + " (mean over seeds)",
                "optimizer step", "loss as the method reports it (nats)");
        for (String method : r.settings().methods()) {
            List<Curves> curves = t.students(method).stream().map(StudentRun::curves).toList();
            addMean(c, display(method), curves, Curves::loss);
        }
        return BitmapEncoder.getBitmapBytes(ChartAxes.roundTicks(c), BitmapEncoder.BitmapFormat.PNG);
    }

    /** TAID's t per step, mean over seeds: the adaptive schedule per teacher, the linear one once. */
    static byte[] tPlot(Result r) throws IOException {
        XYChart c = chart("TAID interpolation t over steps (mean over seeds)", "optimizer step", "t");
        for (TeacherResult t : r.teachers()) {
            addMean(c, "t, adaptive, " + t.shape().name(), curves(t, "taid"), Curves::t);
        }
        TeacherResult last = r.teachers().getLast();
        var linear = addMean(c, "t, linear schedule", curves(last, "taid_linear"), Curves::t);
        if (linear != null) {
            linear.setLineStyle(SeriesLines.DASH_DASH);
        }
        return BitmapEncoder.getBitmapBytes(ChartAxes.roundTicks(c), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * The adaptive TAID's change of t per step (mean over seeds, per teacher): the realised change
     * t_step - t_(step-1) ({@link Plots#tIncrements}), and the adaptive increment TAID proposed (its
     * logged {@code dt}), which the linear floor overrides whenever it is smaller than the floor's step.
     */
    static byte[] dtPlot(Result r) throws IOException {
        XYChart c = chart("TAID (adaptive): change of t per step (mean over seeds); proposed adaptive increment dashed",
                "optimizer step", "dt per step");
        c.getStyler().setYAxisDecimalPattern("0.0E0");
        for (TeacherResult t : r.teachers()) {
            List<Curves> adaptive = curves(t, "taid");
            addMean(c, "realised, " + t.shape().name(), adaptive, CapacityGapReport::realisedDt);
            var proposed = addMean(c, "proposed, " + t.shape().name(), adaptive, Curves::dt);
            if (proposed != null) {
                proposed.setLineStyle(SeriesLines.DASH_DASH);
            }
        }
        return BitmapEncoder.getBitmapBytes(ChartAxes.roundTicks(c), BitmapEncoder.BitmapFormat.PNG);
    }

    private static List<Curves> curves(TeacherResult t, String method) {
        return t.students(method).stream().map(StudentRun::curves).toList();
    }

    /** t_step - t_(step-1) aligned to the curve's steps (NaN at the first), as {@link Plots#tIncrements} gives it. */
    static double[] realisedDt(Curves k) {
        List<com.fasterxml.jackson.databind.JsonNode> metrics = new ArrayList<>();
        for (int i = 0; i < k.step().length; i++) {
            ObjectNode m = JSON.createObjectNode().put("step", k.step()[i]);
            if (Double.isFinite(k.t()[i])) {
                m.put("t", k.t()[i]);
            }
            metrics.add(m);
        }
        double[] out = new double[k.step().length];
        java.util.Arrays.fill(out, Double.NaN);
        java.util.Map<Double, Double> byStep = new java.util.HashMap<>();
        for (var d : Plots.tIncrements(metrics)) {
            byStep.put(d.path("step").asDouble(), d.path(Plots.DT).asDouble());
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = byStep.getOrDefault(k.step()[i], Double.NaN);
        }
        return out;
    }

    private static org.knowm.xchart.XYSeries addMean(XYChart c, String name, List<Curves> curves,
                                                     java.util.function.Function<Curves, double[]> f) {
        if (curves.isEmpty()) {
            return null;
        }
        int n = curves.stream().mapToInt(k -> k.step().length).min().orElse(0);
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (Curves k : curves) {
                sum += f.apply(k)[i];
            }
            if (Double.isFinite(sum)) {
                x.add(curves.getFirst().step()[i]);
                y.add(sum / curves.size());
            }
        }
        if (x.isEmpty()) {
            return null;
        }
        var s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        return s;
    }
}
