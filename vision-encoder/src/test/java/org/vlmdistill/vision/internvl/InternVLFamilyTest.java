package org.vlmdistill.vision.internvl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameters;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.vision.Npy;
import org.vlmdistill.vision.Tiny;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code internvl_chat} family on the reference's tiny Qwen2 case: registration, components, save, select_layer. */
class InternVLFamilyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final NDManager manager = NDManager.newBaseManager();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final long seed = System.nanoTime();
    private final ComputePolicy policy = Tiny.fp32();

    @TempDir
    Path tmp;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        manager.close();
    }

    private VisionLanguageModel load(Path dir) throws IOException {
        VisionLanguageModel m = assertInstanceOf(VisionLanguageModel.class, Models.load(dir, policy));
        open.add(m);
        return m;
    }

    private static Path qwen2() {
        return InternVLParityTest.caseDir("qwen2_1tile");
    }

    private NDArray npy(String name) throws IOException {
        return Npy.read(manager, qwen2().resolve(name));
    }

    @Test
    void registered() {
        assertTrue(ModelFamilies.installed().modelTypes().contains("internvl_chat"));
    }

    /**
     * The family's processor, from the model directory alone, tiles the reference's image into the case's
     * pixel values, and its layout spells the image as the case's ids do: {@code <img>}, 4 x tiles
     * {@code <IMG_CONTEXT>}, {@code </img>}, whose features then replace exactly those tokens.
     */
    @Test
    void theDirectorysProcessorAndLayoutReproduceTheReferenceInputs() throws IOException {
        for (String[] c : new String[][] {{"qwen2_1tile", "model_one_tile.png", "1"},
                {"internlm2_3tiles", "model_three_tiles.png", "3"}}) {
            Path dir = InternVLParityTest.caseDir(c[0]);
            ModelDirectory source = ModelDirectory.open(dir.resolve("model"));
            ImageProcessor processor = Models.imageProcessor(source);
            RgbImage image = InternVLImageProcessorTest.png("images/" + c[1]);
            PixelValues px = processor.process(image);
            int tiles = Integer.parseInt(c[2]);
            assertEquals(tiles, px.tiles(), c[0]);
            assertArrayEquals(Npy.read(manager, dir.resolve("pixel_values.npy")).toFloatArray(), px.values(), 0f, c[0]);
            ImageTokenLayout layout = processor.layout();
            assertEquals(InternVLChatConfig.IMG_CONTEXT_TOKEN, layout.imageToken());
            assertEquals(4 * tiles, layout.imageTokenCount(image.width(), image.height()));
            assertEquals("<img>" + InternVLChatConfig.IMG_CONTEXT_TOKEN.repeat(4 * tiles) + "</img>",
                    layout.expand(image.width(), image.height()));
            int context = ((InternVLChatConfig) source.config()).imageTokenId();
            long[] ids = Npy.read(manager, dir.resolve("input_ids.npy")).toLongArray();
            assertEquals(4L * tiles, java.util.Arrays.stream(ids).filter(id -> id == context).count(), c[0]);
        }
    }

    @Test
    void componentsSplitTowerConnectorDecoderAndHead() throws IOException {
        VisionLanguageModel m = load(qwen2().resolve("model"));
        assertEquals(List.of("vision", "connector", "text", "lm_head"), List.copyOf(m.components().keySet()));
        Map<String, Parameters> c = m.components();
        assertTrue(c.get("vision").list().stream().allMatch(p -> p.name().startsWith("vision_model.")));
        assertEquals(List.of("mlp1.0.weight", "mlp1.0.bias", "mlp1.1.weight", "mlp1.1.bias", "mlp1.3.weight",
                "mlp1.3.bias"), c.get("connector").list().stream().map(p -> p.name()).toList());
        assertEquals(List.of("language_model.lm_head.weight"),
                c.get("lm_head").list().stream().map(p -> p.name()).toList());
        assertEquals(m.parameters().count(), c.values().stream().mapToInt(Parameters::count).sum());
        // 3 tower layers x 14 tensors (qkv, proj, norm1, norm2, fc1, fc2 weight and bias; ls1, ls2) + 4 embeddings
        assertEquals(46, c.get("vision").count());
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(qwen2().resolve("model"))) {
            assertEquals(checkpoint.names(), Set.copyOf(m.parameters().list().stream().map(p -> p.name()).toList()));
            long elements = checkpoint.tensors().stream().mapToLong(TensorInfo::numElements).sum();
            assertEquals(elements, m.parameters().elements());
        }
    }

    @Test
    void savesUnderTheNamesItWasLoadedFromAndReloadsToTheSameLogits() throws IOException {
        VisionLanguageModel m = load(qwen2().resolve("model"));
        NDArray ids = npy("input_ids.npy");
        NDArray pixels = npy("pixel_values.npy");
        float[] logits = m.forward(ids, pixels, null, null).logits().toFloatArray();
        Path saved = tmp.resolve("saved");
        ModelWriter.save(m, saved);
        try (SafetensorsCheckpoint before = SafetensorsCheckpoint.open(qwen2().resolve("model"));
             SafetensorsCheckpoint after = SafetensorsCheckpoint.open(saved)) {
            assertEquals(before.names(), after.names());
            for (TensorInfo t : before.tensors()) {
                assertEquals(t.shape(), after.tensor(t.name()).shape(), t.name());
            }
        }
        assertTrue(Files.isRegularFile(saved.resolve("added_tokens.json")), "the tokenizer file that gives <IMG_CONTEXT>");
        ObjectNode config = (ObjectNode) JSON.readTree(saved.resolve("config.json").toFile());
        assertEquals("internvl_chat", config.get("model_type").asText());
        assertEquals("Qwen2ForCausalLM", config.get("llm_config").get("architectures").get(0).asText());
        VisionLanguageModel back = load(saved);
        assertEquals(0.0, Tiny.maxAbsDiff(logits, back.forward(ids, pixels, null, null).logits().toFloatArray()), 0);
        assertEquals(152, back.config().imageTokenId());
    }

    /** OpenGVLab's layout trains through the packed qkv (split by slicing its output) to every tensor. */
    @Test
    void gradientsReachEveryParameterOfTheLoadedModel() throws IOException {
        VisionLanguageModel m = load(qwen2().resolve("model"));
        m.parameters().list().forEach(p -> p.array().setRequiresGradient(true));
        NDArray ids = npy("input_ids.npy");
        Random random = new Random(seed);
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray logits = m.forward(ids, npy("pixel_values.npy"), null, null).logits();
            gc.backward(logits.mul(Tiny.randn(manager, random, logits.getShape().getShape())).sum());
        }
        List<String> none = m.parameters().list().stream()
                .filter(p -> !(Tiny.maxAbs(p.array().getGradient().toFloatArray()) > 0)).map(p -> p.name()).toList();
        assertEquals(List.of(), none, "seed " + seed);
    }

    @Test
    void layersAfterTheSelectedOneDoNotReachTheFeatures() throws IOException {
        Random random = new Random(seed);
        // the last tower layer's weights replaced by noise: select_layer -1 sees it, -2 does not
        Path noisy = tmp.resolve("noisy");
        rewrite(qwen2().resolve("model"), noisy, c -> c, t -> t.name().startsWith("vision_model.encoder.layers.2.")
                ? noise(t, random) : t);
        Path noisySelect2 = tmp.resolve("noisy-2");
        rewrite(noisy, noisySelect2, c -> c.put("select_layer", -2), t -> t);
        Path select2 = tmp.resolve("select-2");
        rewrite(qwen2().resolve("model"), select2, c -> c.put("select_layer", -2), t -> t);
        NDArray pixels = npy("pixel_values.npy");
        float[] original = load(qwen2().resolve("model")).imageFeatures(pixels).toFloatArray();
        assertNotEquals(0.0, Tiny.maxAbsDiff(original, load(noisy).imageFeatures(pixels).toFloatArray()),
                "seed " + seed);
        float[] second = load(select2).imageFeatures(pixels).toFloatArray();
        assertNotEquals(0.0, Tiny.maxAbsDiff(original, second));
        assertEquals(0.0, Tiny.maxAbsDiff(second, load(noisySelect2).imageFeatures(pixels).toFloatArray()), 0,
                "seed " + seed);
    }

    /** The tensor (F32) with every value drawn afresh. */
    private static TensorData noise(TensorData t, Random random) {
        byte[] bytes = new byte[Math.toIntExact(t.bytes().byteSize())];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= bytes.length; i += 4) {
            b.putFloat(i, (float) random.nextGaussian());
        }
        return TensorData.of(t.name(), t.dtype(), t.shape(), bytes);
    }

    /** Copies a model directory, editing its config.json and tensors. */
    static void rewrite(Path from, Path to, UnaryOperator<ObjectNode> config, UnaryOperator<TensorData> tensors)
            throws IOException {
        Files.createDirectories(to);
        ObjectNode json = (ObjectNode) JSON.readTree(from.resolve("config.json").toFile());
        Files.writeString(to.resolve("config.json"), config.apply(json).toPrettyString());
        for (String f : List.of("added_tokens.json")) {
            if (Files.exists(from.resolve(f))) {
                Files.copy(from.resolve(f), to.resolve(f));
            }
        }
        List<TensorData> out = new ArrayList<>();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(from)) {
            for (TensorInfo t : c.tensors()) {
                out.add(tensors.apply(new TensorData(t.name(), t.dtype(), t.shapeArray(), c.data(t))));
            }
            SafetensorsWriter.write(to.resolve(SafetensorsCheckpoint.SINGLE_FILE), out, Map.of("format", "pt"));
        }
    }
}
