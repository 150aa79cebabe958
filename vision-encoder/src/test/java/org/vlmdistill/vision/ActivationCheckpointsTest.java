package org.vlmdistill.vision;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.VisionLanguageModel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activation checkpointing changes memory, not results: on tiny Idefics3 (SigLIP + Llama) and InternVL
 * (InternViT + Qwen2) models with 3 tower and 3 decoder layers, fresh random weights and inputs each run,
 * the forward's output and every parameter's gradient with checkpointing equal those without (at most
 * 1e-6 of the gradient's largest magnitude; in practice bitwise), every layer was checkpointed, and no
 * layer is left waiting after the backward.
 */
class ActivationCheckpointsTest {

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> families() {
        return LayerTemporariesTest.families();
    }

    /** One forward (tower, connector, decoder on the image features) and backward; the output and the gradients. */
    private static Map<String, float[]> step(VisionLanguageModel vlm, NDArray pixels, NDArray probe, boolean checkpoint,
                                             int layers) {
        vlm.activationCheckpoints().enabled(checkpoint);
        Map<String, float[]> out = new LinkedHashMap<>();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray hidden = vlm.textDecoder().forward(vlm.imageFeatures(pixels), null, null);
            NDArray loss = hidden.mul(probe).sum(); // a random direction: every output element matters
            assertEquals(checkpoint ? 2 * layers : 0, vlm.activationCheckpoints().pending(), "layers checkpointed");
            out.put("output", hidden.toFloatArray());
            gc.backward(loss);
            vlm.activationCheckpoints().backward();
            assertEquals(0, vlm.activationCheckpoints().pending());
        }
        for (Parameter p : vlm.parameters().list()) {
            if (p.name().contains("embed_tokens") || p.name().contains("lm_head") || p.name().contains(".head.")) {
                continue; // not on this path
            }
            NDArray g = p.array().getGradient();
            out.put(p.name(), g.toFloatArray());
            g.subi(g); // zero for the next step
        }
        vlm.activationCheckpoints().enabled(false);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void gradientsEqualThoseWithoutCheckpointing(String name, IntFunction<String> config, String pre) {
        long seed = System.nanoTime();
        int layers = 3;
        try (VisionLanguageModel vlm = (VisionLanguageModel) Models.random(
                ModelDirectory.of(Tiny.json(config.apply(layers)), Tiny.json(pre)),
                ComputePolicy.of(Map.of("dtype", "fp32")), seed);
             NDManager m = NDManager.newBaseManager()) {
            vlm.parameters().list().forEach(p -> p.array().setRequiresGradient(true));
            int side = vlm.config().visionConfig().imageSize();
            NDArray pixels = m.randomNormal(new Shape(1, 3, side, side));
            // the output's shape, from a forward without autograd
            NDArray probe = m.randomNormal(vlm.textDecoder().forward(vlm.imageFeatures(pixels), null, null).getShape());
            Map<String, float[]> plain = step(vlm, pixels, probe, false, layers);
            Map<String, float[]> checkpointed = step(vlm, pixels, probe, true, layers);
            assertEquals(plain.keySet(), checkpointed.keySet());
            assertArrayEquals(plain.get("output"), checkpointed.get("output"), 0f, "forward output");
            double worst = 0;
            String worstName = "";
            for (String k : plain.keySet()) {
                float[] a = plain.get(k);
                float[] b = checkpointed.get(k);
                double scale = 0;
                double diff = 0;
                for (int i = 0; i < a.length; i++) {
                    scale = Math.max(scale, Math.abs(a[i]));
                    diff = Math.max(diff, Math.abs(a[i] - b[i]));
                }
                assertTrue(scale > 0 || k.equals("output"), k + ": zero gradient");
                double rel = scale == 0 ? diff : diff / scale;
                if (rel > worst) {
                    worst = rel;
                    worstName = k;
                }
            }
            System.out.printf("%s: largest relative gradient difference with checkpointing %.3g (%s)%n", name, worst,
                    worstName);
            assertTrue(worst <= 1e-6, "largest relative gradient difference " + worst + " at " + worstName);
        }
    }
}
