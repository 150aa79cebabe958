package org.vlmdistill.datasets.sample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.Idefics3ImageTokens;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageTokenLayoutsTest {

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
        assertEquals(Optional.of(new Idefics3ImageTokens(64, 2048, 512, true)), ImageTokenLayouts.forModel(dir));
    }

    @Test
    void llava15HasOneTokenPerPatch(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llava", "vision_feature_select_strategy": "default",
                 "vision_config": {"model_type": "clip_vision_model", "hidden_size": 1024, "image_size": 336,
                   "patch_size": 14, "num_attention_heads": 16, "intermediate_size": 4096, "num_hidden_layers": 24},
                 "text_config": {"model_type": "llama"}}""");
        assertEquals(Optional.of(new FixedImageTokens("<image>", 576)), ImageTokenLayouts.forModel(dir));
    }

    @Test
    void siglipWithFullStrategyKeepsEveryPatch(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llava", "vision_feature_select_strategy": "full", "vision_feature_layer": -1,
                 "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 1152, "image_size": 384,
                   "patch_size": 14, "num_attention_heads": 16, "intermediate_size": 4304, "num_hidden_layers": 26},
                 "text_config": {"model_type": "qwen2", "hidden_size": 896, "num_attention_heads": 14,
                   "num_key_value_heads": 2}}""");
        assertEquals(Optional.of(new FixedImageTokens("<image>", 729)), ImageTokenLayouts.forModel(dir));
    }

    @Test
    void textOnlyModelsHaveNoLayoutAndBadFilesAreNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen2\"}");
        assertTrue(ImageTokenLayouts.forModel(dir).isEmpty());
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "idefics3", "vision_config": {"model_type": "idefics3_vision", "image_size": 512, "patch_size": 16},
                 "scale_factor": 4, "text_config": {"model_type": "llama"}}""");
        Files.writeString(dir.resolve("preprocessor_config.json"), "{not json");
        IOException e = assertThrows(IOException.class, () -> ImageTokenLayouts.forModel(dir));
        assertTrue(e.getMessage().contains("preprocessor_config.json"), e.getMessage());
    }
}
