package org.vlmdistill.vision.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ModelOutput;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.vision.Npy;
import org.vlmdistill.vision.Parity;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The reference cases in {@code src/test/resources/internvl} (see its README): tiny random
 * {@code internvl_chat} models whose outputs OpenGVLab/InternVL's own modeling code computed in fp32.
 * Each is opened with {@link Models#load} as any model directory is and given the stored input ids and
 * pixel values (the reference tiling's; no tokenizer or image processor runs); every stage is compared
 * with both {@code TorchOps} at the positions {@code valid.npy} marks: the tower's last hidden state
 * (class token first), the features after {@code mlp1}, the merged input embeddings, the decoder's last
 * hidden state and the logits.
 *
 * <p>Difference: {@code max |actual - expected| / max |expected|}. Measured on CPU (libtorch 2.7.1 through
 * DJL, 2 threads), fp32; the test prints each:
 * <pre>
 * case               tensor                       bridge    composed
 * qwen2_1tile        vision last hidden [1,17,32] 5.14e-7   5.14e-7
 *                    vit_embeds [1,4,64]          5.41e-7   5.95e-7
 *                    inputs embeds [1,15,64]      3.87e-7   4.26e-7
 *                    hidden [1,15,64]             6.19e-7   6.57e-7
 *                    logits [1,15,160]            6.74e-7   7.33e-7
 * internlm2_1tile    vision last hidden [1,17,32] 6.61e-7   5.79e-7
 *                    vit_embeds [1,4,64]          6.98e-7   5.07e-7
 *                    inputs embeds [1,16,64]      3.14e-7   2.29e-7
 *                    hidden [1,16,64]             5.40e-7   4.59e-7
 *                    logits [1,16,128]            6.80e-7   5.84e-7
 * internlm2_3tiles   vision last hidden [3,17,32] 1.19e-6   1.19e-6
 *                    vit_embeds [3,4,64]          5.54e-7   5.95e-7
 *                    inputs embeds [1,24,64]      3.18e-7   3.41e-7
 *                    hidden [1,24,64]             9.96e-7   1.38e-6
 *                    logits [1,24,128]            1.34e-6   1.68e-6
 * </pre>
 */
class InternVLParityTest {
    /** Relative to the tensor's largest magnitude, as HfParityTest. */
    private static final double TOLERANCE = 5e-6;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of("qwen2_1tile", "internlm2_1tile", "internlm2_3tiles")
                .flatMap(c -> Stream.of(Arguments.of(c, "bridge"), Arguments.of(c, "composed")));
    }

    @ParameterizedTest(name = "{0}, {1} ops")
    @MethodSource("cases")
    void matchesTheReference(String name, String ops) throws IOException {
        Path dir = caseDir(name);
        ComputePolicy policy = ComputePolicy.of(Map.of("dtype", "fp32", "ops", ops, "device", "cpu"));
        NDArray inputIds = Npy.read(manager, dir.resolve("input_ids.npy"));
        long[] valid = Npy.read(manager, dir.resolve("valid.npy")).toLongArray();
        long[] positions = Npy.read(manager, dir.resolve("position_ids.npy")).toLongArray();
        for (int i = 0; i < positions.length; i++) {
            // unpadded rows: the decoder's positions (cumsum of no mask, minus 1) are the reference's
            assertEquals(i, positions[i], "position_ids");
        }
        try (VisionLanguageModel vlm = assertInstanceOf(VisionLanguageModel.class,
                Models.load(dir.resolve("model"), policy))) {
            InternVLChatConfig config = assertInstanceOf(InternVLChatConfig.class, vlm.config());
            NDArray pixels = Npy.read(manager, dir.resolve("pixel_values.npy"));
            InternVisionModel tower = assertInstanceOf(InternVisionModel.class, vlm.visionEncoder());
            compare(name, ops, "vision last hidden", tower.lastHiddenState(pixels),
                    expected(dir, "vision_last_hidden"), null);
            NDArray features = vlm.imageFeatures(pixels);
            compare(name, ops, "vit_embeds (mlp1)", features, expected(dir, "vit_embeds"), null);
            assertArrayEquals(new long[] {pixels.getShape().get(0), config.numImageToken(),
                    config.llmConfig().hiddenSize()}, features.getShape().getShape());
            compare(name, ops, "inputs embeds", vlm.mergeImageFeatures(inputIds, features),
                    expected(dir, "inputs_embeds"), valid);
            ModelOutput out = vlm.forward(inputIds, pixels, null, null);
            compare(name, ops, "hidden", out.lastHiddenState(), expected(dir, "hidden"), valid);
            compare(name, ops, "logits", out.logits(), expected(dir, "logits"), valid);
        }
    }

    private static void compare(String name, String ops, String what, NDArray actual, NDArray expected, long[] valid) {
        Parity.assertClose("internvl-parity", name, ops, what, actual, expected, valid, TOLERANCE);
    }

    private NDArray expected(Path dir, String tensor) throws IOException {
        return Npy.read(manager, dir.resolve("expected_" + tensor + ".npy"));
    }

    static Path caseDir(String name) {
        try {
            return Path.of(InternVLParityTest.class.getResource("/internvl/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
