package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vlmdistill.core.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PNG curves of a run from its {@code metrics.jsonl}: {@code loss.png} (total, distillation and LM
 * loss), {@code taid_t.png} and {@code taid_dt.png} (TAID's t and its change per step, when the loss
 * has one), {@code lr.png}. Axes with round ticks ({@link ChartAxes}). Redrawn at every checkpoint and
 * at the end; each file is replaced atomically.
 */
public final class Plots {
    /** The key {@link #tIncrements} writes dt under. */
    public static final String DT = "dt";

    private Plots() {
    }

    /**
     * TAID's realised change of t per optimizer step from the metrics' {@code t} column:
     * {@code {"step": s_i, "dt": (t_i - t_(i-1)) / (s_i - s_(i-1))}} for each row i after the first that has
     * a t, which is {@code t_step - t_(step-1)} when every step is logged. Empty without t (no TAID).
     * (The {@code dt} TAID itself logs is the adaptive increment it proposed, which the linear floor
     * may override; this is the change that happened.)
     */
    public static List<JsonNode> tIncrements(List<JsonNode> metrics) {
        List<JsonNode> out = new ArrayList<>();
        double prevStep = Double.NaN;
        double prevT = Double.NaN;
        for (JsonNode m : metrics) {
            JsonNode t = m.get("t");
            if (t == null || !t.isNumber() || !m.path("step").isNumber()) {
                continue;
            }
            double step = m.path("step").asDouble();
            if (!Double.isNaN(prevT) && step > prevStep) {
                out.add(JsonNodeFactory.instance.objectNode().put("step", step)
                        .put(DT, (t.asDouble() - prevT) / (step - prevStep)));
            }
            prevStep = step;
            prevT = t.asDouble();
        }
        return out;
    }

    /** Draws every plot the metrics have data for; returns the files written. */
    public static List<Path> draw(List<JsonNode> metrics, Path dir, String title) throws IOException {
        List<Path> written = new ArrayList<>();
        if (metrics.isEmpty()) {
            return written;
        }
        Files.createDirectories(dir);
        Map<String, String> loss = new LinkedHashMap<>();
        loss.put("loss", "total");
        loss.put("distil", "distillation");
        loss.put("lm", "LM (cross entropy)");
        chart(metrics, loss, title + ": loss", "loss", dir.resolve("loss.png"), written);
        chart(metrics, Map.of("t", "TAID t"), title + ": TAID interpolation t", "t", dir.resolve("taid_t.png"), written);
        chart(tIncrements(metrics), Map.of(DT, "TAID dt"), title + ": TAID dt = t(step) - t(step - 1)", "dt",
                dir.resolve("taid_dt.png"), written);
        chart(metrics, Map.of("lr", "learning rate"), title + ": learning rate", "lr", dir.resolve("lr.png"), written);
        return written;
    }

    private static void chart(List<JsonNode> metrics, Map<String, String> series, String title, String yTitle, Path file,
                              List<Path> written) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(450).title(title).xAxisTitle("optimizer step")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        boolean any = false;
        for (Map.Entry<String, String> s : series.entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (JsonNode m : metrics) {
                JsonNode v = m.get(s.getKey());
                if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                    x.add(m.path("step").asDouble());
                    y.add(v.asDouble());
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(s.getValue(), x, y).setMarker(SeriesMarkers.NONE);
                any = true;
            }
        }
        if (!any) {
            return;
        }
        ChartAxes.roundTicks(chart);
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, png, AtomicFiles.Durability.SYNC);
        written.add(file);
    }
}
