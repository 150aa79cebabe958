package org.vlmdistill.core.safetensors;

import org.vlmdistill.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to write: its raw bytes, already little-endian and row-major as the format requires.
 * The segment may be native (off-heap, e.g. a slice of another file's mapping) or heap-backed by
 * any primitive array; the writer streams it to disk without concatenating tensors.
 *
 * <p>The writer, not this record, checks the name and that the byte length equals
 * elements × dtype size, so that its errors can name the target file. Equality compares the
 * shape by identity, as for any record with an array component.
 *
 * @param shape empty for a scalar; it is copied in and out
 */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment bytes) {

    public TensorData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        Objects.requireNonNull(bytes, "bytes");
    }

    /** Wraps {@code bytes} without copying; later changes to the array show in what is written. */
    public static TensorData of(String name, DType dtype, long[] shape, byte[] bytes) {
        return new TensorData(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "TensorData[" + name + ", " + dtype + ", " + Arrays.toString(shape) + ", " + bytes.byteSize() + " bytes]";
    }
}
