package org.vlmdistill.core.bridge;

import java.lang.foreign.MemorySegment;

/**
 * A 2-d fp32 tensor's memory as libtorch holds it: row {@code r}, column {@code c} is the float at
 * index {@code r * rowStride + c} of {@code data} (native byte order). Valid while the tensor is open.
 *
 * @param data      from the first element to the last, {@code ((rows - 1) * rowStride + cols) * 4} bytes
 * @param rows      the first dimension
 * @param cols      the second dimension; each row's {@code cols} floats are contiguous
 * @param rowStride floats from one row's start to the next's ({@code >= cols})
 */
public record FloatRows(MemorySegment data, int rows, int cols, long rowStride) {
    public FloatRows {
        if (rows < 0 || cols < 0 || (rows > 1 && rowStride < cols)) {
            throw new IllegalArgumentException(rows + " x " + cols + " with row stride " + rowStride);
        }
    }

    /** Byte offset of row {@code r}'s first element. */
    public long rowOffset(int r) {
        return r * rowStride * Float.BYTES;
    }
}
