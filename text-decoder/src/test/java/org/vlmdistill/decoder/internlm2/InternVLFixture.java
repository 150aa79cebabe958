package org.vlmdistill.decoder.internlm2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.InternLM2Config;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.WeightLoading;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.tensor.Npy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The InternLM2 cases of the reference fixtures ({@code internvl/}, from OpenGVLab/InternVL's
 * modeling_internlm2.py): a tiny {@code internvl_chat} checkpoint (InternLM2 decoder: hidden 64, 4 heads,
 * 2 kv heads, head_dim 16, 2 layers, vocab 128, rope theta 1e6, dynamic NTK x2, max_position_embeddings
 * 20, untied {@code output}) and, per case, the embeddings the decoder was given and its hidden states
 * and logits. The fixture's two cases ship the same checkpoint (byte-identical); it is stored once, in
 * {@code internlm2_model/}.
 */
final class InternVLFixture {
    static final String ONE_TILE = "internlm2_1tile";     // 16 tokens: plain RoPE
    static final String THREE_TILES = "internlm2_3tiles"; // 24 tokens > 20: dynamic NTK base for 24

    private InternVLFixture() {
    }

    static Path dir(String name) {
        try {
            return Path.of(InternVLFixture.class.getResource("/internvl/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static InternLM2Config config() {
        Path file = dir("internlm2_model").resolve("config.json");
        JsonNode llm = HfConfigs.readJson(file).get("llm_config");
        return (InternLM2Config) HfConfigs.parse(llm, file + " llm_config");
    }

    /**
     * The decoder from the checkpoint's {@code language_model.*} tensors, built through the registry as
     * InternVL composes it: body {@code language_model.model.}, head {@code language_model.} (its
     * {@code output.weight}). The vision tower's and connector's tensors are left out.
     */
    static TextDecoder decoder(NDManager manager, ComputePolicy policy) throws IOException {
        InternLM2Config config = config();
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir("internlm2_model"))) {
            WeightLoading weights = WeightLoading.fromCheckpoint(manager, checkpoint, policy.computeDType(),
                    policy.ops());
            TextDecoder decoder = ModelFamilies.installed().textDecoder(config, weights.at("language_model.model."),
                    weights.at("language_model."), false, policy);
            checkpoint.names().stream().filter(n -> !n.startsWith("language_model.")).forEach(weights::ignore);
            weights.finish();
            return decoder;
        }
    }

    static NDArray read(NDManager manager, String caseName, String file) throws IOException {
        return Npy.read(manager, dir(caseName).resolve(file + ".npy"));
    }

    /**
     * {@code max |actual - expected| / max |expected|} over the rows (all axes but the last) that
     * {@code valid} marks (every row when null); prints it.
     */
    static double relativeDifference(String what, NDArray actual, NDArray expected, long[] valid) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), what + " shape");
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        int width = Math.toIntExact(expected.getShape().get(expected.getShape().dimension() - 1));
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < e.length; i++) {
            if (valid != null && valid[i / width] == 0) {
                continue;
            }
            scale = Math.max(scale, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs((double) a[i] - e[i]));
            if (Float.isNaN(a[i])) {
                return Double.NaN;
            }
        }
        double relative = diff / scale;
        System.out.printf(Locale.ROOT, "internlm2 %-46s max |diff| / max |expected| = %.2e (scale %.3g)%n",
                what, relative, scale);
        return relative;
    }

    static long[] valid(NDManager manager, String caseName) throws IOException {
        long[] v = read(manager, caseName, "valid").toLongArray();
        return Arrays.copyOf(v, v.length);
    }
}
