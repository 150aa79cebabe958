package org.vlmdistill.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole tiny VLMs with the real decoder from text-decoder: composition, components, save and reload. */
class VisionLanguageFamiliesTest {
    private static final int IMAGE = 63;
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final ComputePolicy policy = Tiny.fp32();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final NDManager manager = NDManager.newBaseManager();

    @TempDir
    Path tmp;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        manager.close();
    }

    static final String IDEFICS3 = "{'model_type': 'idefics3', 'scale_factor': 2, 'image_token_id': 63,"
            + " 'text_config': " + Tiny.TEXT + ", 'vision_config': {" + Tiny.VISION.formatted(2) + "}}";
    static final String IDEFICS3_PRE = "{'do_image_splitting': true, 'size': {'longest_edge': 64},"
            + " 'max_image_size': {'longest_edge': 32}}";
    static final String LLAVA = "{'model_type': 'llava', 'image_token_index': 63, 'vision_feature_layer': -2,"
            + " 'text_config': " + Tiny.TEXT + ", 'vision_config': " + Tiny.clipJson(2) + "}";
    static final String LLAVA_PRE = "{'size': {'shortest_edge': 32}, 'crop_size': 32}";

    private VisionLanguageModel random(String config, String pre) {
        VisionLanguageModel m = (VisionLanguageModel) Models.random(
                ModelDirectory.of(Tiny.json(config), Tiny.json(pre)), policy, seed);
        open.add(m);
        return m;
    }

    private VisionLanguageModel load(Path dir) throws IOException {
        VisionLanguageModel m = (VisionLanguageModel) Models.load(dir, policy);
        open.add(m);
        return m;
    }

    /** Text ids with {@code images} runs of image tokens spliced between ordinary tokens. */
    private NDArray ids(int imageTokens) {
        long[] ids = new long[imageTokens + 4];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i >= 2 && i < 2 + imageTokens ? IMAGE : random.nextInt(IMAGE);
        }
        return manager.create(ids).reshape(1, ids.length);
    }

    private static void assertComponentsCoverEverything(VisionLanguageModel m) {
        assertEquals(List.of("vision", "connector", "text", "lm_head"), List.copyOf(m.components().keySet()));
        int count = m.components().values().stream().mapToInt(Parameters::count).sum();
        long elements = m.components().values().stream().mapToLong(Parameters::elements).sum();
        assertEquals(m.parameters().count(), count);
        assertEquals(m.parameters().elements(), elements);
        m.components().values().forEach(p -> assertTrue(p.count() > 0));
    }

    @Test
    void registered() {
        assertTrue(ModelFamilies.installed().modelTypes().containsAll(List.of("idefics3", "llava")));
    }

    @Test
    void idefics3ImageFeaturesReplaceImageTokenEmbeddings() {
        VisionLanguageModel m = random(IDEFICS3, IDEFICS3_PRE);
        assertComponentsCoverEverything(m);
        RgbImage image = Tiny.image(random, 64, 40);
        PixelValues pv = m.imageProcessor().process(image);
        int tokens = m.imageProcessor().layout().imageTokenCount(64, 40);
        // longest edge 64 keeps 64x40; whole tiles of 32 make it 64x64: 2x2 tiles + the global image, 4 features each
        assertEquals(5 * 4, tokens);
        NDArray px = pv.toArray(manager);
        NDArray ids = ids(tokens);
        NDArray merged = m.inputEmbeddings(ids, px);
        NDArray features = m.imageFeatures(px).reshape(tokens, 16);
        NDArray text = m.textDecoder().embedTokens(ids);
        assertEquals(0.0, Tiny.maxAbsDiff(merged.get("0, 2:" + (2 + tokens)).toFloatArray(), features.toFloatArray()), 0);
        assertEquals(0.0, Tiny.maxAbsDiff(merged.get("0, :2").toFloatArray(), text.get("0, :2").toFloatArray()), 0);
        assertEquals(0.0, Tiny.maxAbsDiff(merged.get("0, -2:").toFloatArray(), text.get("0, -2:").toFloatArray()), 0);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.inputEmbeddings(ids(tokens - 1), px));
        assertTrue(e.getMessage().contains("19 image tokens"), e.getMessage());
    }

    @Test
    void imageProcessorComesFromTheConfigAloneAndMatchesTheModels() {
        for (String[] c : List.of(new String[] {IDEFICS3, IDEFICS3_PRE}, new String[] {LLAVA, LLAVA_PRE})) {
            VisionLanguageModel m = random(c[0], c[1]);
            // an in-memory directory has no weights to read: the processor needs none
            var processor = Models.imageProcessor(ModelDirectory.of(Tiny.json(c[0]), Tiny.json(c[1])));
            int w = 20 + random.nextInt(60);
            int h = 20 + random.nextInt(60);
            RgbImage image = Tiny.image(random, w, h);
            PixelValues expected = m.imageProcessor().process(image);
            PixelValues actual = processor.process(image);
            assertEquals(expected.tiles(), actual.tiles(), "seed " + seed);
            assertTrue(Arrays.equals(expected.values(), actual.values()), "seed " + seed + ", " + w + "x" + h);
            assertEquals(m.imageProcessor().layout(), processor.layout());
        }
        var e = assertThrows(org.vlmdistill.core.model.UnsupportedModelException.class,
                () -> Models.imageProcessor(ModelDirectory.of(Tiny.json(Tiny.TEXT), null)));
        assertTrue(e.getMessage().contains("takes no images"), e.getMessage());
    }

    @Test
    void idefics3SavesAndReloadsUnderHfNames() throws IOException {
        VisionLanguageModel m = random(IDEFICS3, IDEFICS3_PRE);
        NDArray px = m.imageProcessor().process(Tiny.image(random, 30, 30)).toArray(manager);
        NDArray ids = ids(m.imageProcessor().layout().imageTokenCount(30, 30));
        float[] logits = m.forward(ids, px, null, null).logits().toFloatArray();
        Path dir = tmp.resolve("idefics3");
        ModelWriter.save(m, dir);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            Set<String> names = c.names();
            for (String n : List.of("model.vision_model.encoder.layers.0.self_attn.q_proj.weight",
                    "model.vision_model.embeddings.patch_embedding.bias", "model.vision_model.post_layernorm.weight",
                    "model.connector.modality_projection.proj.weight", "model.text_model.embed_tokens.weight",
                    "lm_head.weight")) {
                assertTrue(names.contains(n), n + " in " + names);
            }
            assertFalse(names.stream().anyMatch(n -> n.contains("head.probe")));
        }
        VisionLanguageModel back = load(dir);
        assertEquals(0.0, Tiny.maxAbsDiff(logits, back.forward(ids, px, null, null).logits().toFloatArray()), 0);
        assertComponentsCoverEverything(back);
    }

    @Test
    void llavaLegacyAndNewLayoutsGiveTheSameModel() throws IOException {
        VisionLanguageModel m = random(LLAVA, LLAVA_PRE);
        assertComponentsCoverEverything(m);
        assertEquals(16, m.imageProcessor().layout().imageTokenCount(50, 70));
        NDArray px = m.imageProcessor().process(Tiny.image(random, 50, 70)).toArray(manager);
        NDArray ids = ids(16);
        float[] logits = m.forward(ids, px, null, null).logits().toFloatArray();
        Path legacy = tmp.resolve("legacy");
        ModelWriter.save(m, legacy);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(legacy)) {
            for (String n : List.of("multi_modal_projector.linear_1.weight", "multi_modal_projector.linear_2.bias",
                    "vision_tower.vision_model.embeddings.class_embedding",
                    "vision_tower.vision_model.pre_layrnorm.weight",
                    "vision_tower.vision_model.encoder.layers.1.mlp.fc1.weight",
                    "language_model.model.embed_tokens.weight", "language_model.lm_head.weight")) {
                assertTrue(c.names().contains(n), n + " in " + c.names());
            }
        }
        assertEquals(0.0, Tiny.maxAbsDiff(logits, load(legacy).forward(ids, px, null, null).logits().toFloatArray()), 0);

        // transformers >= 4.52 writes model.vision_tower., model.multi_modal_projector., model.language_model., lm_head.
        Path fresh = tmp.resolve("new");
        rewrite(legacy, fresh, t -> rename(t, t.name()
                .replaceFirst("^vision_tower\\.", "model.vision_tower.")
                .replaceFirst("^multi_modal_projector\\.", "model.multi_modal_projector.")
                .replaceFirst("^language_model\\.model\\.", "model.language_model.")
                .replaceFirst("^language_model\\.lm_head\\.", "lm_head.")), List.of());
        VisionLanguageModel loaded = load(fresh);
        assertTrue(loaded.parameters().find("model.multi_modal_projector.linear_1.weight").isPresent());
        assertComponentsCoverEverything(loaded);
        assertEquals(0.0, Tiny.maxAbsDiff(logits, loaded.forward(ids, px, null, null).logits().toFloatArray()), 0);
    }

    @Test
    void llavaSiglipTowerCarriesItsHeadAndPositionIdsAreIgnored() throws IOException {
        String config = LLAVA.replace(Tiny.clipJson(2), Tiny.siglipJson(2))
                .replace("'vision_feature_layer': -2", "'vision_feature_layer': [-2, -1], "
                        + "'vision_feature_select_strategy': 'full'");
        VisionLanguageModel m = random(config, "{'size': {'height': 32, 'width': 32}}");
        assertTrue(m.parameters().find("vision_tower.vision_model.head.attention.in_proj_weight").isPresent());
        assertEquals(new ai.djl.ndarray.types.Shape(16, 64),
                m.parameters().get("multi_modal_projector.linear_1.weight").array().getShape());
        assertComponentsCoverEverything(m);
        Path dir = tmp.resolve("siglip");
        ModelWriter.save(m, dir);
        Path withIds = tmp.resolve("ids");
        byte[] positions = new byte[17 * 8];
        rewrite(dir, withIds, t -> t, List.of(TensorData.of("vision_tower.vision_model.embeddings.position_ids",
                org.vlmdistill.core.tensor.DType.I64, new long[] {1, 17}, positions)));
        NDArray px = m.imageProcessor().process(Tiny.image(random, 9, 90)).toArray(manager);
        NDArray ids = ids(16);
        assertEquals(0.0, Tiny.maxAbsDiff(m.forward(ids, px, null, null).logits().toFloatArray(),
                load(withIds).forward(ids, px, null, null).logits().toFloatArray()), 0);
    }

    @Test
    void badCheckpointsReportEveryProblemTogether() throws IOException {
        VisionLanguageModel m = random(IDEFICS3, IDEFICS3_PRE);
        Path dir = tmp.resolve("good");
        ModelWriter.save(m, dir);
        Path bad = tmp.resolve("bad");
        String gone = "model.vision_model.encoder.layers.1.mlp.fc2.bias";
        String reshaped = "model.connector.modality_projection.proj.weight";
        rewrite(dir, bad, t -> t.name().equals(gone) ? null
                : t.name().equals(reshaped) ? TensorData.of(t.name(), t.dtype(), new long[] {16, 64}, new byte[16 * 64 * 4])
                : t, List.of(TensorData.of("model.vision_model.extra.weight", org.vlmdistill.core.tensor.DType.F32,
                new long[] {2}, new byte[8])));
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> Models.load(bad, policy));
        assertEquals(List.of(gone), e.missing());
        assertEquals(List.of("model.vision_model.extra.weight"), e.unexpected());
        assertEquals(1, e.misshapen().size());
        assertTrue(e.misshapen().get(0).contains(reshaped) && e.misshapen().get(0).contains("[16, 128]"),
                e.getMessage());
    }

    private static TensorData rename(TensorData t, String name) {
        return new TensorData(name, t.dtype(), t.shape(), t.bytes());
    }

    /** {@code from}'s config files, its tensors mapped (null drops one) plus {@code extra}, into {@code to}. */
    private static void rewrite(Path from, Path to, UnaryOperator<TensorData> map, List<TensorData> extra)
            throws IOException {
        Files.createDirectories(to);
        for (String f : List.of("config.json", "preprocessor_config.json")) {
            if (Files.exists(from.resolve(f))) {
                Files.copy(from.resolve(f), to.resolve(f));
            }
        }
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(from)) {
            List<TensorData> tensors = new ArrayList<>();
            for (TensorInfo info : c.tensors()) {
                TensorData t = map.apply(new TensorData(info.name(), info.dtype(),
                        Arrays.copyOf(info.shapeArray(), info.shapeArray().length), c.data(info)));
                if (t != null) {
                    tensors.add(t);
                }
            }
            tensors.addAll(extra);
            SafetensorsWriter.write(to.resolve(SafetensorsCheckpoint.SINGLE_FILE), tensors);
        }
    }
}
