package org.vlmdistill.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ModelDirectory#open} holds a config's promises against its checkpoint's headers: every layer it
 * promises has tensors, and no tensor it implies is larger than the whole checkpoint. A config that
 * promises more is refused with a {@link ConfigException} naming config.json and the field, before any
 * model is built (these tests build none).
 */
class CheckpointFitTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static ObjectNode llama(int layers) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "llama");
        c.put("vocab_size", 16);
        c.put("hidden_size", 8);
        c.put("intermediate_size", 16);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", 2);
        c.put("num_key_value_heads", 2);
        return c;
    }

    private static TensorData f32(String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return TensorData.of(name, DType.F32, shape, new byte[Math.toIntExact(4 * n)]);
    }

    /** A Llama checkpoint under HF names: {@code prefix + "layers.i."} for each of {@code layers}. */
    private static List<TensorData> llamaTensors(String prefix, int layers, int vocab, int hidden, int inter) {
        List<TensorData> t = new ArrayList<>();
        t.add(f32(prefix + "embed_tokens.weight", vocab, hidden));
        for (int i = 0; i < layers; i++) {
            String l = prefix + "layers." + i + ".";
            for (String p : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                t.add(f32(l + "self_attn." + p + ".weight", hidden, hidden));
            }
            t.add(f32(l + "mlp.gate_proj.weight", inter, hidden));
            t.add(f32(l + "mlp.up_proj.weight", inter, hidden));
            t.add(f32(l + "mlp.down_proj.weight", hidden, inter));
            t.add(f32(l + "input_layernorm.weight", hidden));
            t.add(f32(l + "post_attention_layernorm.weight", hidden));
        }
        t.add(f32(prefix + "norm.weight", hidden));
        return t;
    }

    private void write(ObjectNode config, List<TensorData> tensors) throws IOException {
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
    }

    private ConfigException refused(String field) {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelDirectory.open(dir));
        String file = dir.resolve("config.json").toString();
        assertEquals(Optional.of(file), e.source(), e.getMessage());
        assertEquals(Optional.of(field), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": " + field + ": "), e.getMessage());
        return e;
    }

    private static List<TensorData> without(List<TensorData> tensors, Predicate<String> drop) {
        return tensors.stream().filter(t -> !drop.test(t.name())).toList();
    }

    @Test
    void aConfigThatFitsItsCheckpointOpens() throws IOException {
        write(llama(2), llamaTensors("model.", 2, 16, 8, 16));
        assertEquals(2, ((org.vlmdistill.core.config.TextConfig) ModelDirectory.open(dir).config()).numHiddenLayers());
    }

    /** The count check, not the bound: 1000 layers is a legal count that this checkpoint does not hold. */
    @Test
    void moreLayersThanTheCheckpointHoldsAreRefused() throws IOException {
        write(llama(1000), llamaTensors("model.", 2, 16, 8, 16));
        ConfigException e = refused("num_hidden_layers");
        assertTrue(e.problem().contains("1000 layers") && e.problem().contains("layers 2 to 999")
                && e.problem().contains("model.layers.") && e.problem().contains("model.safetensors"), e.getMessage());
    }

    /** The case: refused by the bound while reading config.json, before the checkpoint is looked at. */
    @Test
    void aMillionLayersAreRefusedBeforeAnythingIsBuilt() throws IOException {
        write(llama(1_000_000), llamaTensors("model.", 2, 16, 8, 16));
        assertTrue(refused("num_hidden_layers").problem().contains("above the limit of 1024"));
    }

    @Test
    void aLayerWithNoTensorAtAllIsNamed() throws IOException {
        write(llama(3), without(llamaTensors("model.", 3, 16, 8, 16), n -> n.startsWith("model.layers.1.")));
        ConfigException e = refused("num_hidden_layers");
        assertTrue(e.problem().contains("layer 1 ") || e.problem().contains("layers 1 "), e.getMessage());
    }

    /** One missing tensor of a layer that is there is the loader's to report (WeightsMismatchException). */
    @Test
    void aLayerMissingOneTensorStillOpens() throws IOException {
        write(llama(2), without(llamaTensors("model.", 2, 16, 8, 16), n -> n.equals("model.layers.1.mlp.up_proj.weight")));
        ModelDirectory.open(dir);
    }

    /**
     * A checkpoint with no vision tensors at all is another model's: the loader lists all it lacks
     * (vlmd inspect shows that list), so opening the directory does not refuse it.
     */
    @Test
    void aPartWithNoTensorsAtAllIsLeftToTheLoader() throws IOException {
        write(idefics3(2, 3), llamaTensors("model.text_model.", 2, 16, 8, 16));
        ModelDirectory.open(dir);
    }

    @Test
    void aHiddenSizeNoTensorOfTheCheckpointCouldHoldIsRefused() throws IOException {
        ObjectNode wide = llama(2);
        wide.put("hidden_size", 4096);
        write(wide, llamaTensors("model.", 2, 16, 8, 16));
        ConfigException e = refused("hidden_size");
        assertTrue(e.problem().contains("embed_tokens") && e.problem().contains("65536"), e.getMessage());
    }

    /** InternLM2's names in the message: its embedding is tok_embeddings, its q rows live in wqkv. */
    @Test
    void anInternLM2HiddenSizeNoTensorCouldHoldNamesTokEmbeddings() throws IOException {
        ObjectNode c = llama(2).put("model_type", "internlm2").put("hidden_size", 4096);
        List<TensorData> t = new ArrayList<>(List.of(f32("model.tok_embeddings.weight", 16, 8), f32("output.weight", 16, 8)));
        for (int i = 0; i < 2; i++) {
            t.add(f32("model.layers." + i + ".attention.wqkv.weight", 24, 8));
        }
        write(c, t);
        ConfigException e = refused("hidden_size");
        assertTrue(e.problem().startsWith("tok_embeddings (vocab_size 16 x hidden_size 4096)"), e.getMessage());
    }

    private static ObjectNode idefics3(int textLayers, int visionLayers) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "idefics3");
        c.put("scale_factor", 2);
        ObjectNode text = llama(textLayers);
        text.remove("model_type");
        c.set("text_config", text);
        ObjectNode vision = c.putObject("vision_config");
        vision.put("hidden_size", 8);
        vision.put("intermediate_size", 16);
        vision.put("num_hidden_layers", visionLayers);
        vision.put("num_attention_heads", 2);
        vision.put("image_size", 32);
        vision.put("patch_size", 8);
        return c;
    }

    private static List<TensorData> idefics3Tensors(int textLayers, int visionLayers) {
        List<TensorData> t = new ArrayList<>(llamaTensors("model.text_model.", textLayers, 16, 8, 16));
        t.add(f32("model.vision_model.embeddings.patch_embedding.weight", 8, 3, 8, 8));
        t.add(f32("model.vision_model.embeddings.position_embedding.weight", 16, 8));
        for (int i = 0; i < visionLayers; i++) {
            String l = "model.vision_model.encoder.layers." + i + ".";
            t.add(f32(l + "mlp.fc1.weight", 16, 8));
            t.add(f32(l + "mlp.fc2.weight", 8, 16));
        }
        return t;
    }

    @Test
    void aVisionLanguageModelsTwoStacksAreCheckedApart() throws IOException {
        write(idefics3(2, 3), idefics3Tensors(2, 3));
        ModelDirectory.open(dir);

        write(idefics3(2, 4), idefics3Tensors(2, 3));
        assertTrue(refused("vision_config.num_hidden_layers").problem().contains("model.vision_model.encoder.layers."));

        // Three text layers and three vision layers: the vision stack does not stand in for the text one.
        write(idefics3(3, 3), idefics3Tensors(2, 3));
        assertTrue(refused("text_config.num_hidden_layers").problem().contains("model.text_model.layers."));
    }

    /** Within the bound, but its position embedding (1024^2 patches x 8) is larger than the whole checkpoint. */
    @Test
    void anImageSizeNoCheckpointTensorCouldHoldIsRefused() throws IOException {
        ObjectNode c = idefics3(2, 3);
        ((ObjectNode) c.get("vision_config")).put("image_size", 16384);
        ((ObjectNode) c.get("vision_config")).put("patch_size", 16);
        write(c, idefics3Tensors(2, 3));
        ConfigException e = refused("vision_config.image_size");
        assertTrue(e.problem().contains("position_embedding") && e.problem().contains("1048576"), e.getMessage());
    }

    /** A directory without weights (a student to initialize) is held to the bounds only. */
    @Test
    void aDirectoryWithoutACheckpointOpensOnItsConfig() throws IOException {
        Files.writeString(dir.resolve("config.json"), llama(1000).toPrettyString());
        assertEquals(1000, ((org.vlmdistill.core.config.TextConfig) ModelDirectory.open(dir).config()).numHiddenLayers());
    }
}
