package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
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
 * loss), {@code taid_t.png} (TAID's t, when the loss has one), {@code lr.png}. Redrawn at every
 * checkpoint and at the end; each file is replaced atomically.
 */
public final class Plots {
    private Plots() {
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
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, png, AtomicFiles.Durability.SYNC);
        written.add(file);
    }
}
