package org.vlmdistill.vision;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.vision.idefics3.Idefics3Connector;
import org.vlmdistill.vision.llava.LlavaMultiModalProjector;
import org.vlmdistill.vision.vit.PixelShuffle;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectorTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void pixelShuffleOfA4x4GridByHand() {
        // patch (h, w) of a 4x4 grid holds the value 4h + w; scale 2 makes 4 tokens, each a 2x2 block read
        // row by row: token (i, j) = [v(2i, 2j), v(2i, 2j+1), v(2i+1, 2j), v(2i+1, 2j+1)]
        float[] grid = new float[16];
        for (int i = 0; i < 16; i++) {
            grid[i] = i;
        }
        NDArray x = manager.create(grid, new Shape(1, 16, 1));
        NDArray y = PixelShuffle.fold(x, 2);
        assertEquals(new Shape(1, 4, 4), y.getShape());
        assertArrayEquals(new float[] {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}, y.toFloatArray());
    }

    @Test
    void pixelShuffleKeepsEachPatchsFeaturesTogether() {
        // two features per patch (v, 100 + v): each patch's pair stays adjacent
        float[] grid = new float[32];
        for (int i = 0; i < 16; i++) {
            grid[2 * i] = i;
            grid[2 * i + 1] = 100 + i;
        }
        NDArray y = PixelShuffle.fold(manager.create(grid, new Shape(1, 16, 2)), 2);
        assertEquals(new Shape(1, 4, 8), y.getShape());
        assertArrayEquals(new float[] {2, 102, 3, 103, 6, 106, 7, 107}, y.get("0, 1").toFloatArray());
    }

    @Test
    void pixelShuffleWithScale4AndBatches() {
        // a 4x4 grid with scale 4 is one token holding every patch in row-major order, per image
        NDArray x = Tiny.randn(manager, random, 3, 16, 5);
        NDArray y = PixelShuffle.fold(x, 4);
        assertEquals(new Shape(3, 1, 80), y.getShape());
        assertArrayEquals(x.toFloatArray(), y.toFloatArray(), "seed " + seed);
        assertThrows(IllegalArgumentException.class, () -> PixelShuffle.fold(x, 3));
        assertThrows(IllegalArgumentException.class,
                () -> PixelShuffle.fold(Tiny.randn(manager, random, 1, 15, 2), 1));
    }

    private void assertAllGradients(Parameters parameters, NDArray out) {
        for (Parameter p : parameters.list()) {
            assertTrue(Tiny.maxAbs(p.array().getGradient().toFloatArray()) > 0, "seed " + seed + ": " + p.name());
        }
    }

    @Test
    void idefics3ConnectorShapeNamesAndGradients() {
        WeightLoading w = WeightLoading.random(manager, DType.F32, Tiny.fp32().ops(), seed);
        Idefics3Connector c = Idefics3Connector.take(w.at("model.connector."), 32, 2, 16);
        Parameters params = w.finish();
        assertEquals(1, params.count());
        assertEquals(new Shape(16, 128), params.get("model.connector.modality_projection.proj.weight").array().getShape());
        params.list().forEach(p -> p.array().setRequiresGradient(true));
        NDArray out;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            out = c.forward(Tiny.randn(manager, random, 2, 16, 32));
            gc.backward(out.mul(Tiny.randn(manager, random, 2, 4, 16)).sum());
        }
        assertEquals(new Shape(2, 4, 16), out.getShape());
        assertAllGradients(params, out);
    }

    @Test
    void llavaProjectorShapeNamesAndGradients() {
        WeightLoading w = WeightLoading.random(manager, DType.F32, Tiny.fp32().ops(), seed);
        LlavaMultiModalProjector p = LlavaMultiModalProjector.take(w.at("multi_modal_projector."), 64, 16, "gelu", true);
        Parameters params = w.finish();
        assertEquals(4, params.count());
        assertEquals(new Shape(16, 64), params.get("multi_modal_projector.linear_1.weight").array().getShape());
        assertEquals(new Shape(16), params.get("multi_modal_projector.linear_2.bias").array().getShape());
        params.list().forEach(q -> q.array().setRequiresGradient(true));
        NDArray out;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            out = p.forward(Tiny.randn(manager, random, 2, 16, 64));
            gc.backward(out.mul(Tiny.randn(manager, random, 2, 16, 16)).sum());
        }
        assertEquals(new Shape(2, 16, 16), out.getShape());
        assertAllGradients(params, out);

        WeightLoading noBias = WeightLoading.random(manager, DType.F32, Tiny.fp32().ops(), seed);
        LlavaMultiModalProjector.take(noBias.at("multi_modal_projector."), 32, 16, "gelu", false);
        Parameters two = noBias.finish();
        assertEquals(2, two.count());
        assertFalse(two.find("multi_modal_projector.linear_1.bias").isPresent());
        assertThrows(IllegalArgumentException.class, () -> LlavaMultiModalProjector.take(
                WeightLoading.random(manager, DType.F32, Tiny.fp32().ops(), seed), 32, 16, "softsign", true));
    }
}
