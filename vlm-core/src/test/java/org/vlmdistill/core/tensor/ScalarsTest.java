package org.vlmdistill.core.tensor;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A constant made by {@link Scalars} stays valid for the backward, whatever the GC frees meanwhile. */
class ScalarsTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @Test
    void constantFactorsGiveExactGradientsAfterTheGcReusesFreedMemory() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (DataType dtype : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                double c = random.nextGaussian() * 3;
                int n = 1 + random.nextInt(50);
                double[] values = random.doubles(n).map(v -> (v - 0.5) * 10).toArray();
                NDArray x = m.create(values).toType(dtype, false);
                x.setRequiresGradient(true);
                List<ByteBuffer> held;
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray k = Scalars.like(x, c);
                    assertEquals(dtype, k.getDataType());
                    assertEquals(new Shape(), k.getShape());
                    NDArray y = x.mul(k);
                    k.close(); // the Java side may go away: the graph holds the tensor and its memory
                    held = FreedMemory.collectAndReuse();
                    gc.backward(y.sum());
                }
                double expected = dtype == DataType.FLOAT32 ? (float) c : c;
                double[] g = x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
                for (double gi : g) {
                    assertEquals(expected, gi, 0.0, dtype + " c " + c + " seed " + seed);
                }
                assertEquals(10_000, held.size());
            }
        }
    }
}
