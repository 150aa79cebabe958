package org.vlmdistill.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.Bf16;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw little-endian tensor bytes (a safetensors slice, usually a read-only file mapping) to DJL
 * arrays in a requested dtype, and DJL arrays back to bytes.
 *
 * <p>The bytes are seen by libtorch in place ({@code from_blob} over the mapping, never a copy in
 * the Java heap), then copied once by libtorch into memory it owns, converting the dtype on the
 * way; so the result outlives the file and may be written to. bf16 and int16, which DJL's JNI
 * aborts on, are seen as bytes and reinterpreted through the bridge ({@code view.dtype}); without
 * the bridge bf16 is widened in Java. Tensors over 1 GiB are copied in row blocks (a direct
 * ByteBuffer holds at most 2 GiB) and joined by libtorch.
 */
public final class TensorLoader {
    /** Largest block handed to libtorch as one ByteBuffer view. */
    static final long BLOCK_BYTES = 1L << 30;

    private final TorchOps ops;
    private final long blockBytes;

    public TensorLoader(TorchOps ops) {
        this(ops, BLOCK_BYTES);
    }

    /** With a smaller block size, so tests can exercise the row-block path on small tensors. */
    TensorLoader(TorchOps ops, long blockBytes) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors data is little-endian; this machine is not");
        }
        this.ops = ops;
        this.blockBytes = blockBytes;
    }

    /**
     * @param bytes  exactly {@code product(shape) * source.byteSize()} bytes
     * @param what   the tensor's name, for error messages
     */
    public NDArray load(NDManager manager, MemorySegment bytes, DType source, long[] shape, DType target, String what) {
        long elements = new Shape(shape).size();
        if (bytes.byteSize() != elements * source.byteSize()) {
            throw new IllegalArgumentException(what + ": " + bytes.byteSize() + " bytes for " + elements
                    + " elements of " + source);
        }
        if (elements == 0) {
            return cast(manager.zeros(new Shape(shape), target.djl().orElse(DataType.FLOAT32)), target);
        }
        long rowBytes = shape.length == 0 ? bytes.byteSize() : bytes.byteSize() / Math.max(1, shape[0]);
        if (bytes.byteSize() <= blockBytes || shape.length == 0 || rowBytes > blockBytes) {
            if (bytes.byteSize() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + ": a single row of " + rowBytes + " bytes is over 2 GiB");
            }
            return loadBlock(manager, bytes, source, shape, target);
        }
        long rowsPerBlock = Math.max(1, blockBytes / rowBytes);
        List<NDArray> blocks = new ArrayList<>();
        try (NDManager scratch = manager.newSubManager()) {
            for (long row = 0; row < shape[0]; row += rowsPerBlock) {
                long rows = Math.min(rowsPerBlock, shape[0] - row);
                long[] blockShape = shape.clone();
                blockShape[0] = rows;
                blocks.add(loadBlock(scratch, bytes.asSlice(row * rowBytes, rows * rowBytes), source, blockShape, target));
            }
            NDArray joined = NDArrays.concat(new NDList(blocks), 0);
            joined.attach(manager);
            return joined;
        }
    }

    /** The named tensor of a checkpoint (any shard) in {@code target}'s dtype. */
    public NDArray load(NDManager manager, SafetensorsCheckpoint checkpoint, String name, DType target) {
        TensorInfo info = checkpoint.tensor(name);
        return load(manager, checkpoint.data(info), info.dtype(), info.shapeArray(), target, name);
    }

    private NDArray loadBlock(NDManager manager, MemorySegment bytes, DType source, long[] shape, DType target) {
        Shape s = new Shape(shape);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray result;
            if (source.djl().isPresent() && target.djl().isPresent()) {
                NDArray view = scratch.create(aligned(bytes, source), s, source.djl().get());
                result = source == target ? view.duplicate() : view.toType(target.djl().get(), true);
            } else if (!ops.bridged().isEmpty()) {
                NDArray typed = source.djl().isPresent()
                        ? scratch.create(aligned(bytes, source), s, source.djl().get())
                        : ops.viewAs(scratch.create(aligned(bytes, source), new Shape(bytes.byteSize()), DataType.UINT8),
                                source).reshape(s);
                result = ops.cast(typed, target); // _to_copy: a copy even when the dtype is the same
            } else if (source == DType.BF16 && target.djl().isPresent()) {
                NDArray wide = scratch.create(widenBf16(bytes), s, DataType.FLOAT32);
                result = target == DType.F32 ? wide.duplicate() : wide.toType(target.djl().get(), true);
            } else {
                throw new UnsupportedOperationException(source + " -> " + target
                        + " needs the libtorch bridge (vlmd.ops=auto or bridge)");
            }
            result.attach(manager);
            return result;
        }
    }

    private NDArray cast(NDArray x, DType target) {
        return target.djl().isPresent() ? x.toType(target.djl().get(), false) : ops.cast(x, target);
    }

    /** A direct buffer over the bytes, copied first only if the address is not element-aligned. */
    private static ByteBuffer aligned(MemorySegment bytes, DType dtype) {
        if (bytes.address() % dtype.byteSize() == 0 && bytes.isNative()) {
            return bytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer copy = ByteBuffer.allocateDirect((int) bytes.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        MemorySegment.ofBuffer(copy).copyFrom(bytes);
        return copy;
    }

    private static ByteBuffer widenBf16(MemorySegment bytes) {
        long n = bytes.byteSize() / 2;
        ByteBuffer out = ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            out.putFloat(Bf16.toFloat(bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
        }
        return out.flip();
    }

    /** The array's bytes as safetensors stores them, with the array's real dtype: a copy in the Java heap. */
    public Bytes toBytes(NDArray x) {
        DType dtype = dtypeOf(x);
        // bf16 and int16 leave DJL's sight as fp16 of the same bits: no conversion, just the bytes
        NDArray carrier = dtype.djl().isPresent() ? x : ops.viewAs(x, DType.F16);
        ByteBuffer buffer = HostReads.bytes(carrier, "tensor bytes for safetensors").order(ByteOrder.LITTLE_ENDIAN);
        if (carrier != x) {
            carrier.close(); // the view holds x's storage; the bytes are a copy
        }
        return new Bytes(dtype, x.getShape().getShape(), MemorySegment.ofBuffer(buffer));
    }

    /** The array's real dtype (bf16 and int16 included, which DJL does not name), as {@link #toBytes} stores it. */
    public DType dtypeOf(NDArray x) {
        return ops.bridged().isEmpty() ? DType.fromDjl(x.getDataType()).orElseThrow() : ops.dtypeOf(x);
    }

    /** Tensor bytes with their dtype and shape. */
    public record Bytes(DType dtype, long[] shape, MemorySegment data) {}
}
