package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.vision.Npy;
import org.vlmdistill.vision.Parity;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * An InternViT-6B-style tower (RMS norms, q/k normalisation over the full width, no qkv bias; random
 * weights and layer scale) against OpenGVLab's modeling_intern_vit.py: {@code internvl/internvit_qknorm_rms},
 * written by {@code internvl/make_internvit_qknorm_rms.py} (see its header). The model cases of the
 * shared fixtures only have the 300M-style tower (layer norms, qkv bias, no q/k norm). Inputs of the
 * config's size (56, two tiles) and of another (70x84: 5x6 patches, the position grid resized bicubically
 * to a non-square one); outputs the last hidden state and {@code hidden_states[-2]} (the config's
 * select_layer, which the tower hands on without its class token).
 *
 * <p>Measured (CPU, fp32, bridge / composed), relative to the largest magnitude: 56x56 last hidden 7.3e-7 /
 * 7.3e-7, hidden_states[-2] 6.8e-7 / 6.8e-7; 70x84 last hidden 1.05e-6 / 1.10e-6, hidden_states[-2] 1.03e-6 /
 * 1.08e-6. The test prints each.
 */
class InternViTReferenceTest {
    private static final double TOLERANCE = 5e-6;

    @ParameterizedTest(name = "{0} ops")
    @ValueSource(strings = {"bridge", "composed"})
    void qkNormalisedRmsNormTowerMatchesTheReference(String ops) throws IOException {
        Path dir = InternVLParityTest.caseDir("internvit_qknorm_rms");
        ComputePolicy policy = ComputePolicy.of(Map.of("dtype", "fp32", "ops", ops, "device", "cpu"));
        InternVLChatConfig config = assertInstanceOf(InternVLChatConfig.class,
                ModelDirectory.open(dir.resolve("model")).config());
        assertEquals("rms_norm", config.visionConfig().normType());
        assertEquals(-2, config.selectLayer());
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir.resolve("model"))) {
            WeightLoading weights = WeightLoading.fromCheckpoint(manager, checkpoint, DType.F32, policy.ops());
            InternVisionModel tower = InternVisionModel.take(config.visionConfig(), weights.at("vision_model."),
                    config.selectLayer(), InternVLLayout.CHAT);
            weights.finish();
            for (String size : List.of("56x56", "70x84")) {
                NDArray pixels = Npy.read(manager, dir.resolve("pixel_values_" + size + ".npy"));
                Parity.assertClose("internvit-qknorm-rms", size, ops, "last hidden", tower.lastHiddenState(pixels),
                        Npy.read(manager, dir.resolve("expected_last_hidden_" + size + ".npy")), null, TOLERANCE);
                NDArray selected = Npy.read(manager, dir.resolve("expected_hidden_states_m2_" + size + ".npy"));
                Parity.assertClose("internvit-qknorm-rms", size, ops, "hidden_states[-2]",
                        tower.hiddenStates(pixels, config.visionConfig().numHiddenLayers() - 1).getLast(), selected,
                        null, TOLERANCE);
                Parity.assertClose("internvit-qknorm-rms", size, ops, "features (no CLS)", tower.forward(pixels),
                        selected.get(":, 1:"), null, TOLERANCE);
            }
        }
    }
}
