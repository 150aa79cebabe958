package org.vlmdistill.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.bridge.Bf16;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every source dtype into every target dtype, through both op implementations, fresh random values. */
class TensorLoaderTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final TorchOps bridge = new BridgeOps(LibTorchDispatcher.load().orElseThrow());
    private final TorchOps composed = new ComposedOps();
    private NDManager manager;
    private Arena arena;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        manager.close();
        arena.close();
    }

    /** Values every dtype holds exactly: small integers, as the source bytes of {@code dtype}. */
    private MemorySegment encode(double[] values, DType dtype, long misalign) {
        MemorySegment base = arena.allocate(values.length * (long) dtype.byteSize() + misalign, 16);
        MemorySegment s = base.asSlice(misalign);
        var le = ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            long off = (long) i * dtype.byteSize();
            switch (dtype) {
                case F64 -> s.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(le), off, v);
                case F32 -> s.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), off, (float) v);
                case F16 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), off, Float.floatToFloat16((float) v));
                case BF16 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), off, Bf16.fromFloat((float) v));
                case I64 -> s.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(le), off, (long) v);
                case I32 -> s.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(le), off, (int) v);
                case I16 -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), off, (short) v);
                case I8 -> s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
                case U8 -> s.set(ValueLayout.JAVA_BYTE, off, (byte) (int) v);
                case BOOL -> s.set(ValueLayout.JAVA_BYTE, off, (byte) (v != 0 ? 1 : 0));
            }
        }
        return s;
    }

    private double[] randomValues(int n, DType source) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (source) {
                case BOOL -> random.nextInt(2);
                case I8 -> random.nextInt(200) - 100;
                case U8 -> random.nextInt(100);
                default -> random.nextInt(200) - 100;
            };
        }
        return v;
    }

    private float[] asFloats(NDArray a, TorchOps ops) {
        DType d = ops.bridged().isEmpty() ? DType.fromDjl(a.getDataType()).orElseThrow() : ops.dtypeOf(a);
        return (d.djl().isPresent() ? a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false) : ops.cast(a, DType.F32)).toFloatArray();
    }

    @Test
    void everySourceToEveryTargetThroughTheBridge() {
        for (DType source : DType.values()) {
            for (DType target : DType.values()) {
                for (long misalign : new long[] {0, 1}) {
                    // values both dtypes hold exactly: unsigned bytes take no negatives
                    double[] v = randomValues(24,
                            source != DType.BOOL && target == DType.U8 ? DType.U8 : source);
                    NDArray a = new TensorLoader(bridge).load(manager, encode(v, source, misalign), source,
                            new long[] {2, 3, 4}, target, "t");
                    assertEquals(target, bridge.dtypeOf(a), source + "->" + target);
                    assertArrayEquals(new long[] {2, 3, 4}, a.getShape().getShape());
                    float[] got = asFloats(a, bridge);
                    for (int i = 0; i < v.length; i++) {
                        double expected = target == DType.BOOL ? (v[i] != 0 ? 1 : 0) : v[i];
                        assertEquals(expected, got[i], 0, "seed " + seed + " " + source + "->" + target
                                + " misalign " + misalign + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void composedOpsLoadBf16WithoutTheBridgeAndRefuseWhatNeedsIt() {
        double[] v = randomValues(12, DType.BF16);
        for (DType target : List.of(DType.F32, DType.F64, DType.F16)) {
            NDArray a = new TensorLoader(composed).load(manager, encode(v, DType.BF16, 0), DType.BF16,
                    new long[] {12}, target, "t");
            float[] got = asFloats(a, composed);
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], got[i], 0, "seed " + seed + " bf16->" + target + " element " + i);
            }
        }
        var e = assertThrows(UnsupportedOperationException.class, () -> new TensorLoader(composed)
                .load(manager, encode(v, DType.F32, 0), DType.F32, new long[] {12}, DType.BF16, "t"));
        assertEquals("F32 -> BF16 needs the libtorch bridge (vlmd.ops=auto or bridge)", e.getMessage());
    }

    @Test
    void largeTensorsAreCopiedInRowBlocksAndJoined() {
        int rows = 37, cols = 11;
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        for (TorchOps ops : List.of(bridge, composed)) {
            for (DType source : List.of(DType.F32, DType.BF16)) {
                // blocks of 5 rows' worth of bytes: 8 blocks, the last one short
                TensorLoader small = new TensorLoader(ops, 5L * cols * source.byteSize());
                NDArray a = small.load(manager, encode(v, source, 0), source, new long[] {rows, cols}, DType.F32, "t");
                NDArray b = new TensorLoader(ops).load(manager, encode(v, source, 0), source, new long[] {rows, cols}, DType.F32, "t");
                assertArrayEquals(b.toFloatArray(), a.toFloatArray(), 0f, ops.describe() + " " + source);
                assertArrayEquals(new long[] {rows, cols}, a.getShape().getShape());
            }
        }
    }

    @Test
    void bytesRoundTripForEveryDtype() {
        for (DType dtype : DType.values()) {
            double[] v = randomValues(10, dtype);
            MemorySegment in = encode(v, dtype, 0);
            TensorLoader loader = new TensorLoader(bridge);
            NDArray a = loader.load(manager, in, dtype, new long[] {2, 5}, dtype, "t");
            TensorLoader.Bytes out = loader.toBytes(a);
            assertEquals(dtype, out.dtype());
            assertArrayEquals(new long[] {2, 5}, out.shape());
            assertArrayEquals(in.toArray(ValueLayout.JAVA_BYTE), out.data().toArray(ValueLayout.JAVA_BYTE), dtype.name());
        }
    }

    @Test
    void scalarsAndEmptyTensors() {
        TensorLoader loader = new TensorLoader(bridge);
        NDArray scalar = loader.load(manager, encode(new double[] {7}, DType.BF16, 0), DType.BF16, new long[0], DType.F32, "s");
        assertEquals(0, scalar.getShape().dimension());
        assertEquals(7f, scalar.getFloat());
        NDArray empty = loader.load(manager, arena.allocate(0), DType.F16, new long[] {0, 4}, DType.BF16, "e");
        assertArrayEquals(new long[] {0, 4}, empty.getShape().getShape());
        assertEquals(DType.BF16, bridge.dtypeOf(empty));
        var e = assertThrows(IllegalArgumentException.class,
                () -> loader.load(manager, arena.allocate(10), DType.F32, new long[] {3}, DType.F32, "w"));
        assertEquals("w: 10 bytes for 3 elements of F32", e.getMessage());
    }

    @Test
    void loadsByNameFromAShardedCheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        double[] v = randomValues(6, DType.BF16);
        MemorySegment bf16 = encode(v, DType.BF16, 0);
        MemorySegment i16 = encode(v, DType.I16, 0);
        org.vlmdistill.core.safetensors.SafetensorsWriter.writeSharded(dir, List.of(
                new org.vlmdistill.core.safetensors.TensorData("model.embed_tokens.weight", DType.BF16, new long[] {2, 3}, bf16),
                new org.vlmdistill.core.safetensors.TensorData("lm_head.weight", DType.I16, new long[] {3, 2}, i16)),
                java.util.Map.of("format", "pt"), 12);
        try (var ckpt = org.vlmdistill.core.safetensors.SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, ckpt.shards().size(), "one tensor per shard");
            TensorLoader loader = new TensorLoader(bridge);
            float[] a = loader.load(manager, ckpt, "model.embed_tokens.weight", DType.F32).toFloatArray();
            float[] b = asFloats(loader.load(manager, ckpt, "lm_head.weight", DType.I16), bridge);
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], a[i], 0, "seed " + seed);
                assertEquals(v[i], b[i], 0, "seed " + seed);
            }
        }
    }
}
