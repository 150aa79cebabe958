package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightLoadingTest {
    private final long seed = System.nanoTime();
    private final TorchOps ops = new ComposedOps();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void randomInitIsReproducibleAndIndependentOfTakeOrder() {
        WeightLoading a = WeightLoading.random(manager, DType.F32, ops, seed);
        float[] aw = a.at("model.").take("w", Init.normal(0.02), 4, 8).toFloatArray();
        float[] av = a.take("v", Init.normal(1), 16).toFloatArray();
        WeightLoading b = WeightLoading.random(manager, DType.F32, ops, seed);
        float[] bv = b.take("v", Init.normal(1), 16).toFloatArray();
        float[] bw = b.take("model.w", Init.normal(0.02), 4, 8).toFloatArray();
        assertArrayEquals(aw, bw, "seed " + seed);
        assertArrayEquals(av, bv, "seed " + seed);
        float[] other = WeightLoading.random(manager, DType.F32, ops, seed + 1).take("v", Init.normal(1), 16)
                .toFloatArray();
        assertFalse(java.util.Arrays.equals(av, other), "another seed draws other values");
        assertEquals(List.of("model.w", "v"), a.finish().list().stream().map(Parameter::name).toList());
    }

    @Test
    void randomInitFollowsItsDistribution() {
        WeightLoading w = WeightLoading.random(manager, DType.F32, ops, seed);
        float[] normal = w.take("n", Init.normal(0.5), 200, 100).toFloatArray();
        double mean = 0;
        double sq = 0;
        for (float v : normal) {
            mean += v;
            sq += v * v;
        }
        mean /= normal.length;
        double std = Math.sqrt(sq / normal.length - mean * mean);
        assertEquals(0, mean, 0.02, "seed " + seed);
        assertEquals(0.5, std, 0.02, "seed " + seed);
        for (float v : w.take("ones", Init.ONES, 7).toFloatArray()) {
            assertEquals(1f, v);
        }
        for (float v : w.take("zeros", Init.ZEROS, 3, 3).toFloatArray()) {
            assertEquals(0f, v);
        }
        assertEquals(20000 + 7 + 9, w.finish().elements());
    }

    @Test
    void takingANameTwiceIsAnError() {
        WeightLoading w = WeightLoading.random(manager, DType.F32, ops, seed);
        w.take("x", Init.ZEROS, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.at("").take("x", Init.ZEROS, 2));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
    }

    @Test
    void checkpointProblemsAreAllReportedTogether(@TempDir Path dir) throws IOException {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                f32("model.a.weight", new long[] {2, 3}, 1, 2, 3, 4, 5, 6),
                f32("model.b.weight", new long[] {3, 2}, 1, 2, 3, 4, 5, 6),
                f32("model.extra.weight", new long[] {1}, 9),
                f32("model.rotary.inv_freq", new long[] {1}, 9),
                f32("lm_head.weight", new long[] {1}, 9)));
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            WeightLoading w = WeightLoading.fromCheckpoint(manager, ckpt, DType.F32, ops);
            Weights body = w.at("model.");
            NDArray a = body.take("a.weight", Init.ZEROS, 2, 3);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toFloatArray());
            body.take("b.weight", Init.ZEROS, 2, 3);
            body.take("c.weight", Init.ZEROS, 4);
            body.take("d.bias", Init.ZEROS, 4);
            body.ignore("rotary.inv_freq");
            assertTrue(body.has("extra.weight"));
            assertFalse(body.has("c.weight"));
            WeightsMismatchException e = assertThrows(WeightsMismatchException.class, w::finish);
            assertEquals(List.of("model.c.weight", "model.d.bias"), e.missing());
            assertEquals(List.of("lm_head.weight", "model.extra.weight"), e.unexpected());
            assertEquals(List.of("model.b.weight: expected shape [2, 3], found [3, 2]"), e.misshapen());
            String m = e.getMessage();
            assertTrue(m.startsWith(dir.toString()), m);
            for (String n : List.of("model.c.weight", "model.d.bias", "lm_head.weight", "model.extra.weight",
                    "expected shape [2, 3], found [3, 2]")) {
                assertTrue(m.contains(n), n + " in " + m);
            }
            assertFalse(m.contains("inv_freq"), m);
        }
    }

    @Test
    void checkpointTensorsConvertToTheRequestedDType(@TempDir Path dir) throws IOException {
        Random random = new Random(seed);
        float[] values = new float[24];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(f32("w", new long[] {4, 6}, values)));
        TorchOps bridge = new BridgeOps(LibTorchDispatcher.load().orElseThrow());
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            WeightLoading w = WeightLoading.fromCheckpoint(manager, ckpt, DType.BF16, bridge);
            NDArray x = w.take("w", Init.ZEROS, 4, 6);
            assertEquals(DType.BF16, bridge.dtypeOf(x));
            float[] back = bridge.cast(x, DType.F32).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], back[i], Math.abs(values[i]) / 128, "seed " + seed + " at " + i);
            }
            assertEquals(1, w.finish().count());
        }
    }

    private static TensorData f32(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return TensorData.of(name, DType.F32, shape, b.array());
    }
}
