package org.vlmdistill.vlmd.demo;

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
import org.vlmdistill.vlmd.demo.DemoSummary.Cell;
import org.vlmdistill.vlmd.demo.DemoSummary.Column;
import org.vlmdistill.vlmd.demo.DemoSummary.Row;
import org.vlmdistill.distill.train.ChartAxes;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.run.EvalProgress;
import org.vlmdistill.tiny.TinyModels;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The capacity-gap experiment (TAID paper, Figure 3 at toy scale): one fixed student, teachers of
 * growing size each trained here by SFT with the same steps, and for each teacher students distilled
 * with TAID, KL and skew KL over several seeds. Writes, under {@code out}: {@code data/},
 * {@code TEACHER/} (a demo per teacher: its teacher, runs and evaluation), {@code capacity_gap.png}
 * (student score against teacher parameters), {@code capacity_gap.md} and {@code capacity_gap.json}.
 */
public final class CapacityGap {
    /** A teacher of the experiment: its name and shape. */
    public record Teacher(String name, TinyModels.Spec spec) {
    }

    /** One teacher's outcome: its parameters and the demo table of its students. */
    public record Point(Teacher teacher, long parameters, DemoSummary summary) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CapacityGap() {
    }

    /** Three teachers, 149K, 765K (the demo teacher's shape) and 2.76M parameters; the demo's student. */
    public static List<Teacher> defaultTeachers() {
        TinyModels.Spec base = DemoModels.student().withVision(64, 2, 64);
        return List.of(new Teacher("teacher-s", base.withText(64, 2).withVisionTower(48, 2)),
                new Teacher("teacher-m", base.withText(128, 4).withVisionTower(64, 3)),
                new Teacher("teacher-l", base.withText(256, 4).withVisionTower(96, 3)));
    }

    /** TAID, KL and skew KL, three seeds, 400 student steps, 2000 teacher steps. */
    public static DemoSettings defaultSettings() {
        return new DemoSettings(4000, 400, 2026, 2000, 400, 16, 2e-3, 3e-3, List.of(1L, 2L, 3L),
                List.of("taid", "fkl", "skew_kl"));
    }

    /** Runs the whole experiment and writes its report; returns one point per teacher, smallest first. */
    public static List<Point> run(DemoSettings settings, List<Teacher> teachers, Path out, PrintWriter log,
                                  BiFunction<String, Long, Progress> progress, EvalProgress evalProgress,
                                  Map<String, String> versions) throws IOException {
        Path root = out.toAbsolutePath().normalize();
        Demo data = new Demo(settings, root, log);
        data.writeData();
        List<Point> points = new ArrayList<>();
        for (Teacher t : teachers) {
            Demo demo = new Demo(settings, root.resolve(t.name()), data.dataDir(), log);
            Path teacherDir = demo.out().resolve("teacher");
            log.printf("%s: %d SFT steps%n", t.name(), settings.teacherSteps());
            log.flush();
            demo.trainTeacher(teacherDir, Demo.TEACHER_SEED, t.spec(),
                    progress.apply(t.name(), (long) settings.teacherSteps()));
            List<TrainingRun.Result> students = demo.trainStudents(teacherDir,
                    name -> progress.apply(t.name() + " " + name, (long) settings.studentSteps()));
            EvalReport eval = demo.evaluate(teacherDir, students, evalProgress, versions);
            DemoSummary summary = DemoSummary.of(eval, settings);
            points.add(new Point(t, summary.row(Demo.TEACHER).orElseThrow().parameters(), summary));
            write(settings, points, root); // after each teacher, so a long run shows what it has so far
        }
        return points;
    }

    static void write(DemoSettings settings, List<Point> points, Path out) throws IOException {
        AtomicFiles.write(out.resolve("capacity_gap.png"), plot(settings, points, Column.OPEN_GENERATE),
                AtomicFiles.Durability.NO_SYNC);
        AtomicFiles.write(out.resolve("capacity_gap_mcq.png"), plot(settings, points, Column.MCQ_LOGLIK),
                AtomicFiles.Durability.NO_SYNC);
        AtomicFiles.write(out.resolve("capacity_gap.md"), markdown(settings, points).getBytes(StandardCharsets.UTF_8),
                AtomicFiles.Durability.NO_SYNC);
        AtomicFiles.write(out.resolve("capacity_gap.json"), JSON.writeValueAsBytes(json(settings, points)),
                AtomicFiles.Durability.NO_SYNC);
    }

    /** One table per score: a row per teacher, its own score, then each loss's students as mean ± sd. */
    public static String markdown(DemoSettings settings, List<Point> points) {
        StringBuilder m = new StringBuilder("# Capacity gap\n\n");
        m.append(String.format(Locale.ROOT, "One student (%s parameters), teachers trained here by SFT (%d steps of %d), "
                        + "students %d steps of %d per loss and seed (seeds %s), Shapes seed %d: %d training records, "
                        + "%d held-out.%n%n", points.isEmpty() ? "?" : DemoReport.compact(points.getFirst().summary()
                        .row(Demo.UNTRAINED).map(Row::parameters).orElse(0L)), settings.teacherSteps(),
                settings.batchSize(), settings.studentSteps(), settings.batchSize(), settings.seeds(),
                settings.dataSeed(), settings.trainRecords(), settings.testRecords()));
        for (Column c : List.of(Column.OPEN_GENERATE, Column.MCQ_LOGLIK, Column.TOP1_AGREEMENT)) {
            m.append("## ").append(c.label()).append("\n\n| teacher | parameters | teacher's own |");
            settings.losses().forEach(l -> m.append(' ').append(DemoReport.display(l)).append(" |"));
            m.append("\n|---|---:|---:|").append("---:|".repeat(settings.losses().size())).append('\n');
            for (Point p : points) {
                m.append("| ").append(p.teacher().name()).append(" | ").append(DemoReport.compact(p.parameters()))
                        .append(" | ").append(p.summary().row(Demo.TEACHER).flatMap(r -> r.cell(c))
                                .map(x -> DemoReport.cell(c, x)).orElse("—")).append(" |");
                for (String l : settings.losses()) {
                    m.append(' ').append(p.summary().row(l).flatMap(r -> r.cell(c)).map(x -> DemoReport.cell(c, x)
                            + " " + values(c, x)).orElse("—")).append(" |");
                }
                m.append('\n');
            }
            m.append('\n');
        }
        m.append("![student score against teacher size](capacity_gap.png)\n");
        return m.toString();
    }

    private static String values(Column c, Cell x) {
        return "(" + String.join(", ", x.values().stream().map(v -> c.fraction()
                ? String.format(Locale.ROOT, "%.1f", 100 * v) : String.format(Locale.ROOT, "%.3f", v)).toList()) + ")";
    }

    private static byte[] plot(DemoSettings settings, List<Point> points, Column column) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(500)
                .title("Capacity gap: student " + column.label() + " against teacher size (mean ± sd over seeds)")
                .xAxisTitle("teacher parameters (log scale)").yAxisTitle(column.label() + " (%)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        List<Double> x = points.stream().map(p -> (double) p.parameters()).toList();
        for (String loss : settings.losses()) {
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (Point p : points) {
                Cell cell = p.summary().row(loss).flatMap(r -> r.cell(column)).orElse(new Cell(List.of(0.0)));
                y.add(100 * cell.mean());
                err.add(Double.isNaN(cell.sd()) ? 0.0 : 100 * cell.sd());
            }
            chart.addSeries("student, " + DemoReport.display(loss).replace("student, ", ""), x, y, err)
                    .setMarker(SeriesMarkers.CIRCLE);
        }
        List<Double> teacher = points.stream().map(p -> 100 * p.summary().row(Demo.TEACHER).flatMap(r -> r.cell(column))
                .map(Cell::mean).orElse(0.0)).toList();
        var own = chart.addSeries("teacher itself", x, teacher);
        own.setLineStyle(SeriesLines.DASH_DASH);
        own.setMarker(SeriesMarkers.SQUARE);
        return BitmapEncoder.getBitmapBytes(ChartAxes.roundTicks(chart), BitmapEncoder.BitmapFormat.PNG);
    }

    private static ObjectNode json(DemoSettings settings, List<Point> points) {
        ObjectNode root = JSON.createObjectNode();
        root.set("settings", JSON.valueToTree(settings));
        ArrayNode ps = root.putArray("teachers");
        for (Point p : points) {
            ObjectNode o = ps.addObject();
            o.put("name", p.teacher().name());
            o.put("parameters", p.parameters());
            o.put("text_hidden", p.teacher().spec().textHidden());
            o.put("text_layers", p.teacher().spec().textLayers());
            o.put("vision_hidden", p.teacher().spec().visionHidden());
            o.put("vision_layers", p.teacher().spec().visionLayers());
            ObjectNode rows = o.putObject("rows");
            for (Row r : p.summary().rows()) {
                ObjectNode cells = rows.putObject(r.method());
                for (Column c : Column.values()) {
                    r.cell(c).ifPresent(x -> {
                        ArrayNode v = cells.putArray(c.name().toLowerCase(Locale.ROOT));
                        x.values().forEach(v::add);
                    });
                }
            }
        }
        return root;
    }
}
