package org.vlmdistill.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A config cannot promise more than any model could hold: each size has an upper bound
 * ({@link ConfigBounds}), checked while the file is read, before anything is built from it.
 */
class ConfigBoundsTest {
    @TempDir
    Path dir;

    private ConfigException fails(String singleQuotedJson) throws IOException {
        Files.writeString(dir.resolve("config.json"), singleQuotedJson.replace('\'', '"'));
        return assertThrows(ConfigException.class, () -> HfConfigs.read(dir));
    }

    private void assertNamesBound(ConfigException e, String field, long bound) {
        String file = dir.resolve("config.json").toString();
        assertEquals(Optional.of(file), e.source(), e.getMessage());
        assertEquals(Optional.of(field), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": " + field + ": "), e.getMessage());
        assertTrue(e.problem().contains("above the limit of " + bound), e.getMessage());
    }

    /** The 1 KB config that hung inspect and grew generate past 3 GB. */
    @Test
    void aMillionLayersAreRefusedWhileReading() throws IOException {
        assertNamesBound(fails("{'model_type': 'llama', 'num_hidden_layers': 1000000}"),
                "num_hidden_layers", ConfigBounds.MAX_LAYERS);
    }

    /** Qwen2 derives one layer_types entry per layer: the bound comes before that list is made. */
    @Test
    void qwen2LayersAreBoundedBeforeLayerTypesAreDerived() throws IOException {
        assertNamesBound(fails("{'model_type': 'qwen2', 'num_hidden_layers': 2147483647}"),
                "num_hidden_layers", ConfigBounds.MAX_LAYERS);
    }

    /** The image_size that overflowed into "The shape must be >= -1", naming nothing. */
    @Test
    void aMillionPixelImageSizeIsRefusedNamingTheNestedField() throws IOException {
        assertNamesBound(fails("{'model_type': 'idefics3', 'vision_config': {'image_size': 1000000, 'patch_size': 16},"
                + " 'scale_factor': 4}"), "vision_config.image_size", ConfigBounds.MAX_IMAGE_SIZE);
    }

    @ParameterizedTest
    @CsvSource({
            "llama, vocab_size, 16777217, 16777216",
            "llama, hidden_size, 131072, 65536",
            "llama, intermediate_size, 1000000000, 262144",
            "llama, num_attention_heads, 2048, 1024",
            "llama, head_dim, 8192, 4096",
            "llama, max_position_embeddings, 2000000000, 16777216",
            "qwen2, vocab_size, 2000000000, 16777216",
            "siglip_vision_model, num_hidden_layers, 5000, 1024",
            "siglip_vision_model, num_channels, 100, 16",
            "clip_vision_model, hidden_size, 100000, 65536",
            "clip_vision_model, projection_dim, 100000, 65536",
    })
    void eachSizeHasABound(String type, String field, long value, long bound) throws IOException {
        String extra = field.equals("num_attention_heads") ? ", 'hidden_size': 4096, 'head_dim': 64" : "";
        assertNamesBound(fails("{'model_type': '" + type + "', '" + field + "': " + value + extra + "}"), field, bound);
    }

    @Test
    void llavaImageSeqLengthIsBounded() throws IOException {
        assertNamesBound(fails("{'model_type': 'llava', 'image_seq_length': 100000000}"),
                "image_seq_length", ConfigBounds.MAX_IMAGE_TOKENS);
    }

    /** The bounds themselves are accepted: a config at every limit reads. */
    @Test
    void valuesAtTheBoundsAreAccepted() throws IOException {
        Files.writeString(dir.resolve("config.json"), ("{'model_type': 'llama', 'num_hidden_layers': 1024,"
                + " 'vocab_size': 16777216, 'hidden_size': 65536, 'num_attention_heads': 64,"
                + " 'intermediate_size': 262144, 'max_position_embeddings': 16777216}").replace('\'', '"'));
        LlamaConfig c = (LlamaConfig) HfConfigs.read(dir);
        assertEquals(1024, c.numHiddenLayers());
        assertEquals(1024, c.headDim());
        Files.writeString(dir.resolve("config.json"), ("{'model_type': 'siglip_vision_model', 'image_size': 16384,"
                + " 'patch_size': 1}").replace('\'', '"'));
        VisionConfig v = (VisionConfig) HfConfigs.read(dir);
        assertEquals(16384 * 16384, v.numPatches());
    }
}
