package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.config.Idefics3Config;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.ImageTokenLayout;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image-token merge: features replace image-token embeddings in order; gradients reach both sides. */
class VisionLanguageModelTest {
    private static final int HIDDEN = 4;
    private static final int TOKENS_PER_TILE = 3;
    private static final int IMAGE_TOKEN = 7;
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    /** A real idefics3 config (so the record is genuine); the parts below ignore its sizes. */
    private static ModelDirectory source() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("model_type", "idefics3");
        c.put("image_token_id", IMAGE_TOKEN);
        c.put("scale_factor", 2);
        ObjectNode text = c.putObject("text_config");
        text.put("model_type", "llama");
        text.put("vocab_size", 10);
        text.put("hidden_size", HIDDEN);
        text.put("num_attention_heads", 2);
        ObjectNode vision = c.putObject("vision_config");
        vision.put("image_size", 8);
        vision.put("patch_size", 2);
        vision.put("hidden_size", 4);
        vision.put("num_attention_heads", 2);
        return ModelDirectory.of(c, null);
    }

    @Test
    void imageFeaturesReplaceImageTokensInOrderAndGradientsReachBothSides() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ComputePolicy policy = ComputePolicy.of(Map.of("dtype", "fp32"));
            WeightLoading w = WeightLoading.random(manager, policy.computeDType(), policy.ops(), seed);
            ModelDirectory source = source();
            Idefics3Config config = (Idefics3Config) source.config();
            TinyLlamaFamily.Decoder decoder = new TinyLlamaFamily.Decoder(config.textConfig(), w.at("model."), w);
            NDArray scale = w.take("connector.scale", Init.normal(1), HIDDEN);
            VisionEncoder encoder = new VisionEncoder() {
                @Override
                public VisionConfig config() {
                    return config.visionConfig();
                }

                // each tile [C=1, H=TOKENS_PER_TILE, W=HIDDEN] is its own feature map
                @Override
                public NDArray forward(NDArray pixelValues) {
                    return pixelValues.reshape(pixelValues.getShape().get(0), TOKENS_PER_TILE, HIDDEN);
                }
            };
            Connector connector = features -> features.mul(scale);
            Parameters params = w.finish();
            VisionLanguageModel vlm = new VisionLanguageModel(source, config, policy, manager, w.checkpoints(), params, Map.of("all", params), encoder, connector, decoder,
                    new ImageProcessor() {
                        @Override
                        public PixelValues process(RgbImage image) {
                            throw new UnsupportedOperationException();
                        }

                        @Override
                        public ImageTokenLayout layout() {
                            return new FixedImageTokens("<image>", TOKENS_PER_TILE);
                        }
                    });

            // two rows; three tiles of three tokens spread over them, in order
            long[] ids = {1, 7, 7, 7, 2, 7, 7, 7, 3,
                          4, 5, 7, 7, 7, 6, 0, 0, 0};
            NDArray inputIds = manager.create(ids, new Shape(2, 9));
            float[] pixels = new float[3 * TOKENS_PER_TILE * HIDDEN];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            NDArray pixelValues = manager.create(pixels, new Shape(3, 1, TOKENS_PER_TILE, HIDDEN));
            for (Parameter p : params.list()) {
                p.array().setRequiresGradient(true);
            }
            pixelValues.setRequiresGradient(true);
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDArray merged = vlm.inputEmbeddings(inputIds, pixelValues);
                assertEquals(new Shape(2, 9, HIDDEN), merged.getShape());
                float[] m = merged.toFloatArray();
                float[] table = decoder.embedTokens(inputIds).toFloatArray();
                float[] s = scale.toFloatArray();
                int feature = 0;
                for (int p = 0; p < ids.length; p++) {
                    for (int h = 0; h < HIDDEN; h++) {
                        float expected = ids[p] == IMAGE_TOKEN ? pixels[feature * HIDDEN + h] * s[h] : table[p * HIDDEN + h];
                        assertEquals(expected, m[p * HIDDEN + h], 1e-6, "position " + p + ", seed " + seed);
                    }
                    if (ids[p] == IMAGE_TOKEN) {
                        feature++;
                    }
                }
                gc.backward(vlm.forward(inputIds, pixelValues, null, null).logits().sum());
            }
            for (Parameter p : params.list()) {
                assertTrue(p.array().getGradient().abs().sum().getFloat() > 0, p.name() + " gets a gradient");
            }
            assertTrue(pixelValues.getGradient().abs().sum().getFloat() > 0, "pixels get a gradient");
            // the image-token row of the embedding table is not used: its gradient is zero
            float[] g = params.get("model.embed_tokens.weight").array().getGradient().toFloatArray();
            for (int h = 0; h < HIDDEN; h++) {
                assertEquals(0f, g[IMAGE_TOKEN * HIDDEN + h]);
            }

            NDArray twoTiles = pixelValues.get("0:2");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vlm.inputEmbeddings(inputIds, twoTiles));
            assertEquals("the text holds 9 image tokens (id 7) but the images give 6 features (2 tiles x 3)",
                    e.getMessage());
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> vlm.inputEmbeddings(inputIds, null));
            assertTrue(none.getMessage().contains("no images were given"), none.getMessage());

            // with the image tokens counted by the caller (on the host) the merge reads nothing back
            org.vlmdistill.core.tensor.HostReads.Tally tally = new org.vlmdistill.core.tensor.HostReads.Tally();
            NDArray counted = org.vlmdistill.core.tensor.HostReads.counting(tally,
                    () -> vlm.inputEmbeddings(inputIds, pixelValues, 9));
            assertEquals(0, tally.count());
            assertArrayEquals(vlm.inputEmbeddings(inputIds, pixelValues).toFloatArray(), counted.toFloatArray());
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> vlm.inputEmbeddings(inputIds, twoTiles, 9));
            assertEquals(e.getMessage(), wrong.getMessage());
        }
    }
}
