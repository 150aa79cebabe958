package org.vlmdistill.eval.report;

import org.vlmdistill.eval.result.Metric;

import java.util.Locale;

/** How numbers read in the Markdown table and the HTML page; both use these so they agree cell for cell. */
final class Format {
    /** A value that is not there or not defined (a NaN chance, a model without a score in a mode). */
    static final String MISSING = "—";

    private Format() {
    }

    /** {@code 0.7333 -> "73.3%"}; one decimal, as differences under 0.1 point are noise at benchmark sizes. */
    static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.1f%%", fraction * 100) : MISSING;
    }

    /** Metrics measured in points rather than as a fraction (MME: 0 to 200 per category, summed). */
    static boolean isPoints(String metricName) {
        return metricName.equals("mme_score");
    }

    /** A metric's value in its unit: percent for fractions, points with one decimal for MME. */
    static String value(String metricName, double value) {
        if (!isPoints(metricName)) {
            return percent(value);
        }
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.1f", value) : MISSING;
    }

    /** {@code "73.3% (n=30)"}: n is the items (or groups) the value was computed over. */
    static String metric(Metric m) {
        return value(m.name(), m.value()) + " (n=" + m.over() + ")";
    }

    static String decimal(double value, int places) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + places + "f", value) : MISSING;
    }

    /** Parameter counts: {@code 1_710_000_000 -> "1.71B"}, {@code 256_500_000 -> "256.5M"}, {@code 950 -> "950"}. */
    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        if (n >= 10_000L) {
            return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        }
        return Long.toString(n);
    }
}
