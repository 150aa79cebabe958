package org.vlmdistill.vlmd.bench;

import java.util.Arrays;

/** The figure every benchmark of the project reports: the median of several runs. */
public final class Median {
    private Median() {}

    /** The middle value, or the mean of the two middle ones for an even count; NaN for none. */
    public static double of(double... values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
