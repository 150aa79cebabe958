package org.vlmdistill.vision;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.VisionLanguageModel;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training forward keeps, of each layer, only its output as an open array (the layer's temporaries
 * are closed when it returns; what autograd saved it keeps by itself): the open arrays after a forward
 * of tiny Idefics3 (SigLIP tower, Llama decoder) and InternVL (InternViT, Qwen2) models grow by at most one per layer when layers are
 * added, and the backward still reaches every parameter. Without the per-layer scope each layer left
 * about twenty arrays (a tower layer's GELU and LayerNorm temporaries, q/k/v, ...) open until the step
 * ended.
 */
class LayerTemporariesTest {

    private static final String TEXT = "{'model_type': '%s', 'vocab_size': 64, 'hidden_size': 32,"
            + " 'intermediate_size': 64, 'num_hidden_layers': %d, 'num_attention_heads': 4, 'num_key_value_heads': 2}";
    private static final String INTERN_VIT = "{'hidden_size': 32, 'intermediate_size': 64, 'num_hidden_layers': %d,"
            + " 'num_attention_heads': 4, 'image_size': 56, 'patch_size': 14, 'norm_type': 'layer_norm',"
            + " 'attention_bias': true, 'use_qk_norm': false}";

    /** A family's config with {@code layers} tower layers and {@code layers} decoder layers, and its preprocessor config. */
    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("idefics3 (SigLIP, llama)", (IntFunction<String>) l -> "{'model_type': 'idefics3',"
                        + " 'scale_factor': 2, 'image_token_id': 63, 'text_config': " + TEXT.formatted("llama", l)
                        + ", 'vision_config': {" + Tiny.VISION.formatted(l) + "}}",
                        "{'do_image_splitting': true, 'size': {'longest_edge': 64}, 'max_image_size': {'longest_edge': 32}}"),
                Arguments.of("internvl (InternViT, qwen2)", (IntFunction<String>) l -> "{'model_type': 'internvl',"
                        + " 'image_token_id': 63, 'text_config': " + TEXT.formatted("qwen2", l)
                        + ", 'vision_config': " + INTERN_VIT.formatted(l) + "}", "{}"));
    }

    /** Open arrays a training forward leaves, and a check that its backward reaches every parameter. */
    private static long openArraysAfterForward(String config, String pre, long seed) {
        try (VisionLanguageModel vlm = (VisionLanguageModel) Models.random(
                ModelDirectory.of(Tiny.json(config), Tiny.json(pre)), ComputePolicy.of(Map.of("dtype", "fp32")), seed);
             NDManager m = NDManager.newBaseManager()) {
            vlm.parameters().list().forEach(p -> p.array().setRequiresGradient(true));
            int side = vlm.config().visionConfig().imageSize();
            NDArray pixels = m.randomNormal(new Shape(1, 3, side, side));
            NDManager system = m.getParentManager();
            long before = open(system);
            long after;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray features = vlm.imageFeatures(pixels);                     // tower + connector
                NDArray hidden = vlm.textDecoder().forward(features, null, null); // the features as embeddings
                NDArray loss = hidden.square().mean();
                after = open(system);
                gc.backward(loss);
            }
            for (Parameter p : vlm.parameters().list()) {
                if (p.name().contains("embed_tokens") || p.name().contains("lm_head") || p.name().contains(".head.")) {
                    continue; // not on this path
                }
                double norm = p.array().getGradient().abs().sum().getFloat();
                assertTrue(norm > 0 && Double.isFinite(norm), p.name() + " got no gradient: |g|_1 = " + norm);
            }
            return after - before;
        }
    }

    /**
     * Open arrays a tower's forward leaves (the connector not run), frozen (no gradient recorded, as a
     * frozen student tower or a teacher runs) or trained; with {@code train}, also a check that the
     * backward reaches every tower parameter and that the activation checkpoints, when on, still
     * recompute every layer from the states they hold.
     */
    private static long openArraysAfterTower(String config, String pre, long seed, boolean train,
                                             boolean checkpointing) {
        try (VisionLanguageModel vlm = (VisionLanguageModel) Models.random(
                ModelDirectory.of(Tiny.json(config), Tiny.json(pre)), ComputePolicy.of(Map.of("dtype", "fp32")), seed);
             NDManager m = NDManager.newBaseManager()) {
            vlm.activationCheckpoints().enabled(checkpointing);
            int side = vlm.config().visionConfig().imageSize();
            NDArray pixels = m.randomNormal(new Shape(2, 3, side, side));
            NDManager system = m.getParentManager();
            long before = open(system);
            if (!train) {
                vlm.visionEncoder().forward(pixels);
                return open(system) - before;
            }
            List<Parameter> tower = vlm.components().get("vision").list();
            tower.forEach(p -> p.array().setRequiresGradient(true));
            long after;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = vlm.visionEncoder().forward(pixels);
                after = open(system) - before;
                gc.backward(out.square().mean());
                vlm.activationCheckpoints().backward();
            }
            for (Parameter p : tower) {
                if (p.name().contains(".head.")) {
                    continue; // Idefics3's tower has none; SigLIP's pooling head is not on this path
                }
                double norm = p.array().getGradient().abs().sum().getFloat();
                assertTrue(norm > 0 && Double.isFinite(norm), p.name() + " got no gradient: |g|_1 = " + norm);
            }
            return after;
        }
    }

    /**
     * A tower keeps only its output open: each state is closed once the next layer has read it, so 1 or 4
     * layers leave the same number of arrays, frozen or trained (at 17 tiles of 512 each SigLIP state is
     * 53 MB, and a frozen student tower's states stayed open through the student's backward). With
     * activation checkpointing the states are the layers' saved inputs and stay: one more per layer.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void aTowerLeavesOnlyItsOutputOpen(String name, IntFunction<String> config, String pre) {
        long seed = System.nanoTime();
        for (boolean train : new boolean[] {false, true}) {
            long one = openArraysAfterTower(config.apply(1), pre, seed, train, false);
            long four = openArraysAfterTower(config.apply(4), pre, seed, train, false);
            System.out.printf("%s, %s: %d open arrays after the tower with 1 layer, %d with 4%n", name,
                    train ? "trained" : "frozen", one, four);
            assertEquals(one, four, name + (train ? ", trained" : ", frozen") + ": open arrays after the tower: "
                    + one + " with 1 layer, " + four + " with 4");
        }
        long one = openArraysAfterTower(config.apply(1), pre, seed, true, true);
        long four = openArraysAfterTower(config.apply(4), pre, seed, true, true);
        assertEquals(one + 3, four, name + ", checkpointed: each layer's input stays for its recomputation");
    }

    private static long open(NDManager manager) {
        return manager.getManagedArrays().stream().filter(a -> !a.isReleased()).count();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void eachLayerLeavesOnlyItsOutputOpen(String name, IntFunction<String> config, String pre) {
        long seed = System.nanoTime();
        long one = openArraysAfterForward(config.apply(1), pre, seed);
        long four = openArraysAfterForward(config.apply(4), pre, seed);
        // 3 more tower layers and 3 more decoder layers: each may leave its output (the residual stream)
        long perLayer = Math.round((four - one) / 6.0);
        System.out.printf("%s: %d open arrays after the forward with 1 + 1 layers, %d with 4 + 4%n", name, one, four);
        assertTrue(four - one <= 6, "open arrays after the forward: " + one + " with 1 + 1 layers, " + four
                + " with 4 + 4, so ~" + perLayer + " per layer are left open (at most 1 expected)");
    }
}
