package org.vlmdistill.core.safetensors;

import org.vlmdistill.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A tensor to write: its raw bytes, already little-endian and row-major as the format requires.
 * The segment may be native (off-heap, e.g. a slice of another file's mapping) or heap-backed by
 * any primitive array; the writer streams it to disk without concatenating tensors.
 *
 * <p>The bytes are given at once ({@link #TensorData(String, DType, long[], MemorySegment)}) or made
 * when the writer reaches the tensor ({@link #deferred}): a model's parameters are then copied off the
 * device one at a time, each dropped once written, so saving holds one tensor's copy instead of the
 * whole model's.
 *
 * <p>The writer, not this record, checks the name and that the byte length equals
 * elements × dtype size, so that its errors can name the target file. Equality compares the
 * shape by identity, as for any record with an array component.
 *
 * @param shape    empty for a scalar; it is copied in and out
 * @param byteSize the length of the bytes: the given segment's, or for deferred bytes elements × dtype size
 * @param source   the bytes, asked for once, when the writer writes this tensor
 */
public record TensorData(String name, DType dtype, long[] shape, long byteSize, Supplier<MemorySegment> source) {

    public TensorData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        Objects.requireNonNull(source, "source");
    }

    /** Bytes given now. */
    public TensorData(String name, DType dtype, long[] shape, MemorySegment bytes) {
        this(name, dtype, shape, Objects.requireNonNull(bytes, "bytes").byteSize(), () -> bytes);
    }

    /**
     * Bytes made by {@code source} when the writer reaches this tensor (each call may copy anew); the
     * writer fails, naming the tensor, if they are not {@code product(shape) * dtype size} bytes.
     */
    public static TensorData deferred(String name, DType dtype, long[] shape, Supplier<MemorySegment> source) {
        // a bad shape gives -1, which the writer's check refuses, naming the tensor and the file
        return new TensorData(name, dtype, shape, Shapes.byteCount(Shapes.elementCount(shape), dtype.byteSize()),
                source);
    }

    /** Wraps {@code bytes} without copying; later changes to the array show in what is written. */
    public static TensorData of(String name, DType dtype, long[] shape, byte[] bytes) {
        return new TensorData(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    /** The bytes: the given segment, or for {@link #deferred} bytes what the source makes now. */
    public MemorySegment bytes() {
        return source.get();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "TensorData[" + name + ", " + dtype + ", " + Arrays.toString(shape) + ", " + byteSize + " bytes]";
    }
}
