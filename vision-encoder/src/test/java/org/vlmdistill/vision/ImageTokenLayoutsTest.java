package org.vlmdistill.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelFamilies;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.vision.idefics3.Idefics3ImageTokens;
import org.vlmdistill.vision.siglip.SiglipImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layout the registry gives the data side for a model directory: its family's image processor's. */
class ImageTokenLayoutsTest {

    private static Optional<ImageTokenLayout> layout(Path dir) {
        return ModelFamilies.installed().imageTokenLayout(ModelDirectory.open(dir));
    }

    @Test
    void smolVlm256mShapedDirectory(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "idefics3", "scale_factor": 4, "image_token_id": 49190,
                 "vision_config": {"model_type": "idefics3_vision", "hidden_size": 768, "image_size": 512,
                   "patch_size": 16, "num_attention_heads": 12, "intermediate_size": 3072, "num_hidden_layers": 12},
                 "text_config": {"model_type": "llama", "hidden_size": 576, "num_attention_heads": 9,
                   "num_key_value_heads": 3, "intermediate_size": 1536, "num_hidden_layers": 30, "vocab_size": 49280}}""");
        Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"do_image_splitting": true, "max_image_size": {"longest_edge": 512}, "size": {"longest_edge": 2048}}""");
        assertEquals(Optional.of(new Idefics3ImageTokens(64, 2048, 512, true)), layout(dir));
    }

    @Test
    void llava15HasOneTokenPerPatch(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llava", "vision_feature_select_strategy": "default",
                 "vision_config": {"model_type": "clip_vision_model", "hidden_size": 1024, "image_size": 336,
                   "patch_size": 14, "num_attention_heads": 16, "intermediate_size": 4096, "num_hidden_layers": 24},
                 "text_config": {"model_type": "llama"}}""");
        Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 336},
                 "crop_size": {"height": 336, "width": 336}}""");
        assertEquals(Optional.of(new FixedImageTokens("<image>", 576)), layout(dir));
        // without preprocessor_config.json the CLIP processor's default crop, 224, is what the tower gets
        Files.delete(dir.resolve("preprocessor_config.json"));
        assertEquals(Optional.of(new FixedImageTokens("<image>", 256)), layout(dir));
    }

    @Test
    void siglipWithFullStrategyKeepsEveryPatch(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llava", "vision_feature_select_strategy": "full", "vision_feature_layer": -1,
                 "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 1152, "image_size": 384,
                   "patch_size": 14, "num_attention_heads": 16, "intermediate_size": 4304, "num_hidden_layers": 26},
                 "text_config": {"model_type": "qwen2", "hidden_size": 896, "num_attention_heads": 14,
                   "num_key_value_heads": 2}}""");
        Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"image_processor_type": "SiglipImageProcessor", "size": {"height": 384, "width": 384}}""");
        assertEquals(Optional.of(new FixedImageTokens("<image>", 729)), layout(dir));
    }

    @Test
    void textOnlyModelsHaveNoLayoutAndBadFilesAreNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen2\"}");
        assertTrue(layout(dir).isEmpty());
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "idefics3", "vision_config": {"model_type": "idefics3_vision", "image_size": 512, "patch_size": 16},
                 "scale_factor": 4, "text_config": {"model_type": "llama"}}""");
        Files.writeString(dir.resolve("preprocessor_config.json"), "{not json");
        ConfigException e = assertThrows(ConfigException.class, () -> layout(dir));
        assertTrue(e.getMessage().contains("preprocessor_config.json"), e.getMessage());
    }
}
