package org.vlmdistill.distill.train;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;

/**
 * The one styling of the numeric axes of every XY chart the project draws (run plots, the demo's and
 * the capacity-gap report's): round ticks, about 5 to 10 an axis.
 *
 * * <p>XChart (3.8.8) has two tick rules. Its grid rule steps by round numbers (a 1, 2 or 5 times a power of ten:
 * 0, 100, 200, ... or 0.4, 0.5, ...). But when an axis's distinct data values are equally spaced, as a
 * step axis logged every step or a linear t schedule is, it puts the ticks on the data values
 * themselves instead ("1 37 73 109 ..." and 0.4, 0.4162, 0.4323, ...), and no styler option turns that
 * off. One point with no line, marker or legend entry, at an irrational fraction (1/pi) of each axis's
 * data range, leaves no axis equally spaced, so XChart takes its grid rule on both; the spacing hints
 * (pixels between ticks) keep the count near 5 to 10 on the charts' sizes.
 */
public final class ChartAxes {
    /**
     * Pixels between x ticks XChart aims at. Its grid rule rounds the step it derives from this to a
     * round one, so the count varies: on 800 to 1000 px charts, 4 to 12 ticks (mostly 5 to 8) over 300
     * random ranges.
     */
    public static final int X_TICK_SPACING = 130;
    /**
     * Pixels between y ticks XChart aims at: 4 to 11 ticks on 400 to 500 px charts over 8 seeds of 300 random
     * ranges (ChartAxesTest); at 70 one range in some thousands got 3 (0.8, 1.0, 1.2).
     */
    public static final int Y_TICK_SPACING = 60;
    /** The name of the invisible point's series. */
    public static final String GRID_SERIES = " grid";

    private ChartAxes() {
    }

    /**
     * Round ticks on both axes of {@code chart}. Call it after the chart's last series is added (the
     * point is placed from their data ranges); a chart without finite data is left as it is.
     */
    public static XYChart roundTicks(XYChart chart) {
        chart.getStyler().setXAxisTickMarkSpacingHint(X_TICK_SPACING);
        chart.getStyler().setYAxisTickMarkSpacingHint(Y_TICK_SPACING);
        double[] x = range(chart, true);
        double[] y = range(chart, false);
        if (x == null || y == null || chart.getSeriesMap().containsKey(GRID_SERIES)) {
            return chart;
        }
        boolean logX = chart.getStyler().isXAxisLogarithmic();
        double px = logX ? Math.exp(Math.log(x[0]) + (Math.log(x[1]) - Math.log(x[0])) / Math.PI)
                : x[0] + (x[1] - x[0]) / Math.PI;
        double py = y[0] + (y[1] - y[0]) / Math.PI;
        XYSeries point = chart.addSeries(GRID_SERIES, new double[]{px}, new double[]{py});
        point.setShowInLegend(false);
        point.setMarker(SeriesMarkers.NONE);
        point.setLineColor(new Color(0, 0, 0, 0));
        return chart;
    }

    /** {@code {min, max}} of the finite values on one axis over every series, or null when there are none. */
    private static double[] range(XYChart chart, boolean xAxis) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (XYSeries s : chart.getSeriesMap().values()) {
            for (double v : xAxis ? s.getXData() : s.getYData()) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        return min <= max ? new double[]{min, max} : null;
    }
}
