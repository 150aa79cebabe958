package org.vlmdistill.eval.report;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.vlmdistill.eval.result.BenchmarkInfo;
import org.vlmdistill.eval.result.BenchmarkScore;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One grouped bar chart per benchmark: a group per scoring mode, a bar per model, the headline metric
 * on y (percent, or MME points), chance as a dashed grey line across. Drawn into a BufferedImage, so it needs
 * no display (works with {@code java.awt.headless=true}).
 */
final class BarCharts {
    /** A chart's PNG and a text alternative that carries the same numbers. */
    record Chart(byte[] png, String alt) {
    }

    private static final Color CHANCE = new Color(0x70, 0x70, 0x70);

    private BarCharts() {
    }

    /** Empty when no model has a finite headline on this benchmark (nothing to draw). */
    static Optional<Chart> headline(ReportTables t, String benchmark) {
        List<ReportTables.Row> rows = t.rows(benchmark);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        String metric = t.headlineName(rows.getFirst());
        boolean points = Format.isPoints(metric);
        double scale = points ? 1 : 100;
        List<String> modes = rows.stream().map(r -> r.mode().label()).toList();

        CategoryChart chart = new CategoryChartBuilder().width(720).height(400)
                .title(benchmark + ": " + metric).xAxisTitle("scoring mode")
                .yAxisTitle(points ? metric + " (points)" : metric + " (%)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisMin(0.0);
        if (!points) {
            chart.getStyler().setYAxisMax(100.0);
        }
        chart.getStyler().setYAxisDecimalPattern("0.#");
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setLabelsPosition(0.9);

        List<String> described = new ArrayList<>();
        boolean any = false;
        for (String model : t.modelNames()) {
            List<Double> ys = new ArrayList<>();
            boolean has = false;
            for (ReportTables.Row row : rows) {
                Optional<BenchmarkScore> s = t.score(model, row);
                double v = s.map(x -> x.headline().value()).orElse(Double.NaN);
                // XChart skips a null bar; NaN would break its axis range.
                ys.add(Double.isFinite(v) ? v * scale : null);
                has |= Double.isFinite(v);
                if (s.isPresent()) {
                    described.add(model + " " + row.mode().label() + " " + Format.value(metric, v));
                }
            }
            if (has) {
                chart.addSeries(model, modes, ys);
                any = true;
            }
        }
        if (!any) {
            return Optional.empty();
        }
        double chance = t.info(benchmark).map(BenchmarkInfo::chance).orElse(Double.NaN);
        if (Double.isFinite(chance)) {
            // A line across the plot rather than a series: a category series takes a bar slot of its own.
            chart.getStyler().setAnnotationLineColor(CHANCE);
            chart.getStyler().setAnnotationLineStroke(SeriesLines.DASH_DASH);
            chart.addAnnotation(new AnnotationLine(chance * scale, false, false));
            chart.setTitle(chart.getTitle() + " (dashed: chance, " + Format.value(metric, chance) + ")");
            described.add("chance " + Format.value(metric, chance));
        }
        try {
            return Optional.of(new Chart(BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG),
                    "Bar chart of " + metric + " on " + benchmark + " by scoring mode: "
                            + String.join("; ", described) + "."));
        } catch (IOException e) {
            // Encoding into memory: an IOException here is ImageIO failing, not a file.
            throw new UncheckedIOException(e);
        }
    }
}
