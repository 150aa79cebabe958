package org.vlmdistill.vision.vit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.vision.Tiny;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny SigLIP and CLIP towers with random weights; the seed of each run is in every failure message. */
class VisionTransformerTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    private record Built(VisionTransformer tower, Parameters parameters) {}

    private Built build(String configJson, FeatureSelection selection, boolean head, ComputePolicy policy) {
        VisionConfig c = (VisionConfig) Tiny.config(configJson);
        WeightLoading w = WeightLoading.random(manager, policy.computeDType(), policy.ops(), seed);
        VisionTransformer t = VisionTransformer.take(c, w.at("vision_model."), selection, head);
        return new Built(t, w.finish());
    }

    private static FeatureSelection layers(boolean dropFirst, Integer... layers) {
        return new FeatureSelection.HiddenStates(List.of(layers), dropFirst);
    }

    @Test
    void shapes() {
        NDArray px = Tiny.randn(manager, random, 2, 3, 32, 32);
        assertEquals(new Shape(2, 16, 32), build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), false,
                Tiny.fp32()).tower().forward(px).getShape());
        assertEquals(new Shape(2, 16, 32), build(Tiny.clipJson(2), layers(true, -2), false, Tiny.fp32())
                .tower().forward(px).getShape());
        assertEquals(new Shape(2, 17, 32), build(Tiny.clipJson(2), layers(false, -2), false, Tiny.fp32())
                .tower().forward(px).getShape());
        Built list = build(Tiny.clipJson(2), layers(true, -1, 0), false, Tiny.fp32());
        assertEquals(64, list.tower().featureSize());
        assertEquals(new Shape(2, 16, 64), list.tower().forward(px).getShape());
        // another image size: the position grid is interpolated (48/8 = 6 per side, 40/8 = 5)
        assertEquals(new Shape(1, 30, 32), build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), false,
                Tiny.fp32()).tower().forward(Tiny.randn(manager, random, 1, 3, 48, 40)).getShape());
        // a remainder is dropped as by the stride-8 conv
        assertEquals(new Shape(1, 16, 32), build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), false,
                Tiny.fp32()).tower().forward(Tiny.randn(manager, random, 1, 3, 39, 36)).getShape());
    }

    @Test
    void tensorNamesAreHfs() {
        Built siglip = build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), true, Tiny.fp32());
        for (String n : List.of("embeddings.patch_embedding.weight", "embeddings.patch_embedding.bias",
                "embeddings.position_embedding.weight", "encoder.layers.1.self_attn.q_proj.weight",
                "encoder.layers.0.layer_norm2.bias", "encoder.layers.1.mlp.fc2.weight", "post_layernorm.weight",
                "head.probe", "head.attention.in_proj_weight", "head.attention.out_proj.bias", "head.layernorm.weight",
                "head.mlp.fc1.weight")) {
            assertTrue(siglip.parameters().find("vision_model." + n).isPresent(), n);
        }
        Built clip = build(Tiny.clipJson(2), layers(true, -2), false, Tiny.fp32());
        assertTrue(clip.parameters().find("vision_model.embeddings.class_embedding").isPresent());
        assertTrue(clip.parameters().find("vision_model.pre_layrnorm.weight").isPresent());
        assertFalse(clip.parameters().find("vision_model.embeddings.patch_embedding.bias").isPresent());
        assertEquals(new Shape(17, 32), clip.parameters().get("vision_model.embeddings.position_embedding.weight")
                .array().getShape());
        assertEquals(new Shape(32), siglip.tower().head().orElseThrow()
                .forward(siglip.tower().lastHiddenState(Tiny.randn(manager, random, 1, 3, 32, 32))).getShape().slice(1));
    }

    @Test
    void selectedLayerEqualsATowerWithFewerLayers() {
        NDArray px = Tiny.randn(manager, random, 2, 3, 32, 32);
        // random init is seeded by name, so the 1-layer tower has the 2-layer tower's layer 0
        for (String json : List.of(Tiny.clipJson(2), Tiny.siglipJson(2))) {
            float[] minus2 = build(json, layers(false, -2), false, Tiny.fp32()).tower().forward(px).toFloatArray();
            String one = json.replace("'num_hidden_layers': 2", "'num_hidden_layers': 1");
            float[] last = build(one, layers(false, -1), false, Tiny.fp32()).tower().forward(px).toFloatArray();
            assertEquals(0.0, Tiny.maxAbsDiff(minus2, last), 1e-6, "seed " + seed + " " + json);
            // layer 0 is the embeddings (after CLIP's pre_layrnorm); a list concatenates on the last axis
            Built both = build(json, layers(false, 0, 1), false, Tiny.fp32());
            NDArray cat = both.tower().forward(px);
            List<NDArray> states = both.tower().hiddenStates(px, 1);
            assertEquals(0.0, Tiny.maxAbsDiff(cat.get(":, :, :32").toFloatArray(), states.get(0).toFloatArray()), 0);
            assertEquals(0.0, Tiny.maxAbsDiff(cat.get(":, :, 32:").toFloatArray(), last), 1e-6, "seed " + seed);
            // "default" drops exactly the first token of "full"
            float[] dropped = build(json, layers(true, -2), false, Tiny.fp32()).tower().forward(px).toFloatArray();
            float[] full = build(json, layers(false, -2), false, Tiny.fp32()).tower().forward(px)
                    .get(":, 1:").toFloatArray();
            assertEquals(0.0, Tiny.maxAbsDiff(dropped, full), 0);
        }
    }

    @Test
    void lastHiddenStateIsPostLayernormOfTheLastLayer() {
        Built b = build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), false, Tiny.fp32());
        NDArray px = Tiny.randn(manager, random, 1, 3, 32, 32);
        float[] last = b.tower().forward(px).toFloatArray();
        float[] noPost = b.tower().hiddenStates(px, 2).get(2).toFloatArray();
        // post_layernorm with weight 1 and bias 0: each row has mean 0 and variance ~1
        assertTrue(Tiny.maxAbsDiff(last, noPost) > 1e-3);
        double sum = 0;
        for (int i = 0; i < 32; i++) {
            sum += last[i];
        }
        assertEquals(0.0, sum, 1e-4, "seed " + seed);
    }

    private void assertGradients(Built b, NDArray px, List<String> without) {
        for (Parameter p : b.parameters().list()) {
            p.array().setRequiresGradient(true);
        }
        NDArray out;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            out = b.tower().forward(px);
            NDArray weights = Tiny.randn(manager, random, out.getShape().getShape());
            gc.backward(out.mul(weights).sum());
        }
        for (Parameter p : b.parameters().list()) {
            boolean unused = without.stream().anyMatch(p.name()::contains);
            double g = Tiny.maxAbs(p.array().getGradient().toFloatArray());
            if (unused) {
                assertEquals(0.0, g, p.name());
            } else {
                assertTrue(g > 0, "seed " + seed + ": no gradient reaches " + p.name());
            }
        }
    }

    @Test
    void gradientsReachEveryParameter() {
        assertGradients(build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), false, Tiny.fp32()),
                Tiny.randn(manager, random, 2, 3, 32, 32), List.of());
        // another size: through the interpolation matrices to the position table
        assertGradients(build(Tiny.siglipJson(2), FeatureSelection.lastHiddenState(), false, Tiny.fp32()),
                Tiny.randn(manager, random, 1, 3, 48, 24), List.of());
        // LLaVA's features skip post_layernorm, as in HF
        assertGradients(build(Tiny.clipJson(2), layers(true, -1), false, Tiny.fp32()),
                Tiny.randn(manager, random, 2, 3, 32, 32), List.of("post_layernorm"));
    }

    @Test
    void bf16AgreesWithFp32() {
        NDArray px = Tiny.randn(manager, random, 2, 3, 32, 32);
        for (String json : List.of(Tiny.siglipJson(2), Tiny.clipJson(2))) {
            FeatureSelection sel = json.contains("clip") ? layers(false, -1) : FeatureSelection.lastHiddenState();
            float[] fp32 = build(json, sel, false, Tiny.fp32()).tower().forward(px).toFloatArray();
            ComputePolicy bf16 = Tiny.bf16();
            NDArray out = build(json, sel, false, bf16).tower().forward(px);
            assertEquals(DType.BF16, bf16.ops().dtypeOf(out));
            float[] low = bf16.ops().cast(out, DType.F32).toFloatArray();
            double diff = Tiny.maxAbsDiff(fp32, low);
            double scale = Tiny.maxAbs(fp32);
            System.out.printf("bf16 vs fp32, %s tower: max |diff| %.4g of max |value| %.4g%n",
                    json.contains("clip") ? "CLIP" : "SigLIP", diff, scale);
            // bf16 keeps 8 bits of mantissa: a few ulps (2^-8 relative) over two layers
            assertTrue(diff <= 0.05 * scale, "seed " + seed + " " + json + ": max diff " + diff + " of max " + scale);
        }
    }
}
