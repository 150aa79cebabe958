package org.vlmdistill.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.image.RgbImage;

import java.util.Map;
import java.util.Random;

/** Tiny configs (hidden 32, 2 layers, image 32, patch 8) and random inputs for the module's tests. */
public final class Tiny {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tiny() {
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    public static ModelConfig config(String text) {
        return HfConfigs.parse(json(text), "<test>");
    }

    public static final String VISION = "'hidden_size': 32, 'intermediate_size': 64, 'num_hidden_layers': %d,"
            + " 'num_attention_heads': 4, 'image_size': 32, 'patch_size': 8";

    public static String siglipJson(int layers) {
        return "{'model_type': 'siglip_vision_model', " + VISION.formatted(layers) + "}";
    }

    public static String clipJson(int layers) {
        return "{'model_type': 'clip_vision_model', " + VISION.formatted(layers) + "}";
    }

    public static final String TEXT = "{'model_type': 'llama', 'vocab_size': 64, 'hidden_size': 16,"
            + " 'intermediate_size': 32, 'num_hidden_layers': 1, 'num_attention_heads': 2, 'num_key_value_heads': 2}";

    public static ComputePolicy fp32() {
        return ComputePolicy.of(Map.of("dtype", "fp32", "ops", "bridge", "device", "cpu"));
    }

    public static ComputePolicy bf16() {
        return ComputePolicy.of(Map.of("dtype", "bf16", "ops", "bridge", "device", "cpu"));
    }

    public static NDArray randn(NDManager manager, Random random, long... shape) {
        float[] data = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return manager.create(data, new Shape(shape));
    }

    public static RgbImage image(Random random, int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        random.nextBytes(rgb);
        return new RgbImage(width, height, rgb);
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
