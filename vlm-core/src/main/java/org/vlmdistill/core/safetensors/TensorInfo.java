package org.vlmdistill.core.safetensors;

import org.vlmdistill.core.tensor.DType;

import java.util.List;
import java.util.Objects;

/**
 * One entry of a safetensors header.
 *
 * <p>{@code dataBegin} and {@code dataEnd} are the header's {@code data_offsets}: byte offsets
 * relative to the start of the data area, which begins at absolute file offset
 * {@code 8 + headerLength} ({@link SafetensorsFile#dataAreaOffset()}). The data is row-major
 * (C order) and little-endian, as the format fixes.
 *
 * @param shape the dimensions; empty for a scalar (one element), a 0 anywhere means no element
 */
public record TensorInfo(String name, DType dtype, List<Long> shape, long dataBegin, long dataEnd) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = List.copyOf(shape);
        if (dataBegin < 0 || dataEnd < dataBegin) {
            throw new IllegalArgumentException("tensor '" + name + "': data_offsets [" + dataBegin + ", "
                    + dataEnd + "] are not an ascending pair of non-negative offsets");
        }
    }

    /** The product of the dimensions, 1 for a scalar; the reader has checked it fits a {@code long}. */
    public long numElements() {
        long n = Shapes.elementCount(shapeArray());
        if (n < 0) {
            throw new ArithmeticException("tensor '" + name + "': shape " + shape + " has more than 2^63-1 elements");
        }
        return n;
    }

    /** {@code dataEnd - dataBegin}, which the reader has checked equals numElements × dtype size. */
    public long byteLength() {
        return dataEnd - dataBegin;
    }

    public int rank() {
        return shape.size();
    }

    /** The shape as a fresh array, the form DJL's {@code Shape} takes. */
    public long[] shapeArray() {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }
}
