package org.vlmdistill.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelOutput;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.VisionLanguageModel;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The reference cases in {@code src/test/resources/hf-parity} (see its README): tiny random models whose
 * outputs Hugging Face transformers v4.47.0's own modeling code computed in fp32. Each is opened with
 * {@link Models#load} as any model directory is, given the stored input ids and pixel values (no
 * tokenizer or image processor runs), and compared with both {@code TorchOps} (the libtorch bridge and
 * the composed DJL ops) at the positions {@code valid.npy} marks (padded query rows are undefined in
 * HF's eager attention).
 *
 * <p>Difference: {@code max |actual - expected| / max |expected|} over the compared rows (image features
 * and the tower's output: all rows). Measured on CPU (libtorch 2.7.1 through DJL, 2 threads), fp32:
 * <pre>
 * case                        tensor                       bridge    composed
 * idefics3_untied_sf2         vision tower [1,64,32]       2.69e-7   2.69e-7
 *                             image features [1,16,64]     3.92e-7   3.27e-7
 *                             inputs embeds [1,30,64]      3.71e-7   3.09e-7
 *                             hidden [1,30,64]             6.87e-7   6.18e-7
 *                             logits [1,30,128]            7.42e-7   6.71e-7
 * llava_clip_llama            image features [1,16,48]     3.34e-7   4.01e-7
 *                             inputs embeds [1,27,48]      3.34e-7   4.01e-7
 *                             hidden [1,27,48]             5.65e-7   5.31e-7
 *                             logits [1,27,100]            6.33e-7   6.66e-7
 * llama_rope_llama3_leftpad   hidden [2,30,64]             4.21e-7   3.40e-7
 *                             logits [2,30,96]             4.05e-7   4.05e-7
 * </pre>
 * Idefics3's {@code expected_image_hidden_states.npy} (HF's name for the same output) equals its
 * {@code expected_image_features.npy} and is checked too. Without the attention mask the left-padded
 * case's hidden states differ by 1.0 relative: the mask and the positions derived from it are pinned.
 * The test prints each difference. (Idefics3's tower uses the tanh GELU: the bridge's column is
 * ATen's {@code gelu(approximate="tanh")}, the composed one {@code x * sigmoid(x (A + B x^2))}.)
 */
class HfParityTest {
    /** Relative to the tensor's largest magnitude; the measured differences are at most 7.5e-7. */
    private static final double TOLERANCE = 5e-6;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of("idefics3_untied_sf2", "llava_clip_llama", "llama_rope_llama3_leftpad")
                .flatMap(c -> Stream.of(Arguments.of(c, "bridge"), Arguments.of(c, "composed")));
    }

    @ParameterizedTest(name = "{0}, {1} ops")
    @MethodSource("cases")
    void matchesTransformers(String name, String ops) throws IOException {
        Path dir = caseDir(name);
        ComputePolicy policy = ComputePolicy.of(Map.of("dtype", "fp32", "ops", ops, "device", "cpu"));
        NDArray inputIds = Npy.read(manager, dir.resolve("input_ids.npy"));
        NDArray mask = optional(dir.resolve("attention_mask.npy"));
        long[] valid = Npy.read(manager, dir.resolve("valid.npy")).toLongArray();
        checkPositions(dir, mask, valid);
        try (Model model = Models.load(dir.resolve("model"), policy)) {
            ModelOutput out;
            if (Files.exists(dir.resolve("pixel_values.npy"))) {
                VisionLanguageModel vlm = assertInstanceOf(VisionLanguageModel.class, model);
                NDArray pixels = Npy.read(manager, dir.resolve("pixel_values.npy"));
                NDArray vision = optional(dir.resolve("expected_vision.npy"));
                if (vision != null) {
                    compare(name, ops, "vision tower", vlm.visionEncoder().forward(pixels), vision, null);
                }
                NDArray features = vlm.imageFeatures(pixels);
                compare(name, ops, "image features", features, expected(dir, "image_features"), null);
                NDArray sameFeatures = optional(dir.resolve("expected_image_hidden_states.npy"));
                if (sameFeatures != null) {
                    compare(name, ops, "image hidden states", features, sameFeatures, null);
                }
                compare(name, ops, "inputs embeds", vlm.mergeImageFeatures(inputIds, features),
                        expected(dir, "inputs_embeds"), valid);
                out = vlm.forward(inputIds, pixels, mask, null);
            } else {
                out = assertInstanceOf(CausalLanguageModel.class, model).forward(inputIds, mask, null);
            }
            compare(name, ops, "hidden", out.lastHiddenState(), expected(dir, "hidden"), valid);
            compare(name, ops, "logits", out.logits(), expected(dir, "logits"), valid);
        }
    }

    /**
     * The reference was given {@code position_ids}; the decoder derives them from the mask as
     * {@code cumsum(mask) - 1} (0, 1, ... without one). They must agree wherever a row is compared.
     */
    private void checkPositions(Path dir, NDArray mask, long[] valid) throws IOException {
        NDArray given = Npy.read(manager, dir.resolve("position_ids.npy"));
        long[] positions = given.toLongArray();
        long[] m = mask == null ? null : mask.toLongArray();
        int seq = Math.toIntExact(given.getShape().get(1));
        for (int row = 0; row < positions.length / seq; row++) {
            long sum = 0;
            for (int s = 0; s < seq; s++) {
                int i = row * seq + s;
                sum += m == null ? 1 : m[i];
                if (valid[i] != 0 && positions[i] != sum - 1) {
                    throw new AssertionError(dir + ": position_ids[" + row + ", " + s + "] = " + positions[i]
                            + ", the mask gives " + (sum - 1));
                }
            }
        }
    }

    private static void compare(String name, String ops, String what, NDArray actual, NDArray expected, long[] valid) {
        Parity.assertClose("hf-parity", name, ops, what, actual, expected, valid, TOLERANCE);
    }

    private NDArray expected(Path dir, String tensor) throws IOException {
        return Npy.read(manager, dir.resolve("expected_" + tensor + ".npy"));
    }

    private NDArray optional(Path file) throws IOException {
        return Files.exists(file) ? Npy.read(manager, file) : null;
    }

    private static Path caseDir(String name) {
        try {
            return Path.of(HfParityTest.class.getResource("/hf-parity/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
