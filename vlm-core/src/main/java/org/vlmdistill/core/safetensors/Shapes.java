package org.vlmdistill.core.safetensors;

import java.util.Arrays;

/** Shape arithmetic shared by the reader and the writer, overflow-checked without exceptions. */
final class Shapes {
    private Shapes() {
    }

    /**
     * The number of elements of {@code shape}, or -1 if it does not fit a {@code long} or a dimension
     * is negative. A shape with a 0 has 0 elements however large the other dimensions are, so
     * {@code [2^40, 2^40, 0]} is an empty tensor and not an overflow.
     */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            if (d == 0) {
                return 0;
            }
        }
        for (long d : shape) {
            if (n > Long.MAX_VALUE / d) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    /** elements × size in bytes, or -1 when either is -1 or the product overflows. */
    static long byteCount(long elements, int elementSize) {
        if (elements < 0 || elements > Long.MAX_VALUE / elementSize) {
            return -1;
        }
        return elements * elementSize;
    }

    static String toString(long[] shape) {
        return Arrays.toString(shape);
    }
}
