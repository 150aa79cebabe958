package org.vlmdistill.distill.train;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Axis;
import org.knowm.xchart.internal.chartpart.AxisPair;
import org.knowm.xchart.internal.chartpart.AxisTickCalculator;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.text.NumberFormat;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ChartAxes} on charts of fresh random series of the kinds the project plots (steps logged every
 * step or every k steps; a linear t, a falling noisy loss, a small dt), rendered by XChart: the ticks it
 * draws on each axis (read from XChart's tick calculator after rendering) are round (a common step of
 * 1, 2, 2.5 or 5 times a power of ten, every tick a multiple of it), lie within the data's range
 * widened by one step (XChart's plot pads the data a little), and number 4 to 12.
 */
class ChartAxesTest {
    // CHARTAXES_SEED=S in the environment replays a failure
    private final long seed = System.getenv("CHARTAXES_SEED") != null ? Long.parseLong(System.getenv("CHARTAXES_SEED")) : System.nanoTime();
    private final Random random = new Random(seed);

    @Test
    void everyAxisGetsFewRoundTicksWithinTheData() throws Exception {
        int fewest = Integer.MAX_VALUE;
        int most = 0;
        for (int round = 0; round < 40; round++) {
            int n = 5 + random.nextInt(3000);
            int every = random.nextBoolean() ? 1 : 1 + random.nextInt(50);
            int width = 800 + random.nextInt(200);
            int height = 400 + random.nextInt(100);
            XYChart chart = new XYChartBuilder().width(width).height(height).xAxisTitle("optimizer step").yAxisTitle("y").build();
            double[] xRange = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            double[] yRange = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
            int series = 1 + random.nextInt(3);
            int kind = random.nextInt(3);
            for (int k = 0; k < series; k++) {
                double[] x = new double[n];
                double[] y = new double[n];
                double a = random.nextDouble();
                double b = a + 1e-3 + random.nextDouble() * Math.pow(10, random.nextInt(4) - 1);
                double scale = Math.pow(10, -1 - random.nextInt(5));
                for (int i = 0; i < n; i++) {
                    x[i] = every * (i + 1.0);
                    y[i] = switch (kind) {
                        case 0 -> a + (b - a) * i / (n - 1.0);                               // a linear t: equally spaced
                        case 1 -> (b * 10) * Math.exp(-3.0 * i / n) + 0.1 * b * random.nextGaussian(); // a loss
                        default -> scale * (1 - (double) i / n) * random.nextDouble();     // a dt
                    };
                    xRange[0] = Math.min(xRange[0], x[i]);
                    xRange[1] = Math.max(xRange[1], x[i]);
                    yRange[0] = Math.min(yRange[0], y[i]);
                    yRange[1] = Math.max(yRange[1], y[i]);
                }
                chart.addSeries("s" + k, x, y).setMarker(SeriesMarkers.NONE);
            }
            ChartAxes.roundTicks(chart);
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            assertTrue(png.length > 0);
            String where = "round " + round + " (n=" + n + " every=" + every + " kind=" + kind + " " + width + "x"
                    + height + "), seed " + seed;
            for (boolean xAxis : new boolean[]{true, false}) {
                double[] range = xAxis ? xRange : yRange;
                List<Double> ticks = drawnTicks(chart, xAxis);
                String axis = where + (xAxis ? ", x axis " : ", y axis ") + ticks;
                assertTrue(ticks.size() >= 4 && ticks.size() <= 12, axis + ": tick count");
                fewest = Math.min(fewest, ticks.size());
                most = Math.max(most, ticks.size());
                double step = ticks.get(1) - ticks.get(0);
                double exponent = Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
                double mantissa = step / exponent;
                assertTrue(List.of(1.0, 2.0, 2.5, 5.0).stream().anyMatch(m -> Math.abs(mantissa - m) < 1e-6),
                        axis + ": step " + step + " is not 1, 2, 2.5 or 5 x 10^k");
                for (int i = 0; i < ticks.size(); i++) {
                    double t = ticks.get(i);
                    assertEquals(Math.rint(t / step), t / step, 1e-6, axis + ": " + t + " is not a multiple of " + step);
                    if (i > 0) {
                        assertEquals(step, t - ticks.get(i - 1), 1e-6 * step, axis + ": uneven steps");
                    }
                    assertTrue(t >= range[0] - step && t <= range[1] + step,
                            axis + ": " + t + " outside the data [" + range[0] + ", " + range[1] + "] by more than a step");
                }
            }
        }
        System.out.printf("round ticks: 4 <= count <= 12 held, seen %d to %d, seed %d%n", fewest, most, seed);
    }

    /** The tick values XChart drew on one axis (those whose position lies on the axis), parsed from their labels. */
    private static List<Double> drawnTicks(XYChart chart, boolean xAxis) throws ReflectiveOperationException, ParseException {
        Field pairField = Chart.class.getDeclaredField("axisPair");
        pairField.setAccessible(true);
        AxisPair<?, ?> pair = (AxisPair<?, ?>) pairField.get(chart);
        Axis<?, ?> axis;
        if (xAxis) {
            axis = pair.getXAxis();
        } else {
            Method y = AxisPair.class.getDeclaredMethod("getYAxis");
            y.setAccessible(true);
            axis = (Axis<?, ?>) y.invoke(pair);
        }
        AxisTickCalculator ticks = axis.getAxisTickCalculator();
        double length = xAxis ? axis.getBounds().getWidth() : axis.getBounds().getHeight();
        NumberFormat format = NumberFormat.getInstance(chart.getStyler().getLocale());
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < ticks.getTickLabels().size(); i++) {
            double at = ticks.getTickLocations().get(i);
            String label = ticks.getTickLabels().get(i);
            if (label != null && !label.isBlank() && at >= 0 && at <= length) {
                out.add(format.parse(label).doubleValue());
            }
        }
        return out;
    }
}
