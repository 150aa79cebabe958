package org.vlmdistill.core.bridge;

/** bfloat16 bit arithmetic: the upper half of an IEEE fp32. */
public final class Bf16 {
    private Bf16() {}

    /** The fp32 whose upper 16 bits are {@code bits}. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round to nearest bf16, ties to even; NaN stays a (quiet) NaN. */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    /** {@code f} rounded to the nearest value bf16 can hold. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
