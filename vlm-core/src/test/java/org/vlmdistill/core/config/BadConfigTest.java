package org.vlmdistill.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every rejected input: the error names the file and the JSON path of the field. */
class BadConfigTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("config.json");
    }

    private ConfigException fails(String singleQuotedJson) {
        return failsOnBytes(singleQuotedJson.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private ConfigException failsOnBytes(byte[] bytes) {
        try {
            Files.write(file(), bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return assertThrows(ConfigException.class, () -> HfConfigs.read(dir));
    }

    private void assertNames(ConfigException e, String field) {
        String file = file().toString();
        assertEquals(Optional.of(file), e.source(), e.getMessage());
        assertEquals(Optional.of(field), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": " + field + ": "), e.getMessage());
    }

    private void assertNamesFileOnly(ConfigException e, String problem) {
        String file = file().toString();
        assertEquals(Optional.of(file), e.source(), e.getMessage());
        assertEquals(Optional.empty(), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void missingModelType() {
        ConfigException e = fails("{'hidden_size': 576}");
        assertNames(e, "model_type");
        assertTrue(e.getMessage().contains(
                "clip_vision_model, idefics3, internlm2, internvl, internvl_chat, llama, llava, qwen2, siglip_vision_model"),
                e.getMessage());
    }

    @Test
    void unsupportedModelTypeListsTheSupportedOnes() {
        ConfigException e = fails("{'model_type': 'mistral'}");
        assertNames(e, "model_type");
        assertTrue(e.getMessage().contains("\"mistral\""), e.getMessage());
        for (String type : HfConfigs.SUPPORTED_MODEL_TYPES) {
            assertTrue(e.getMessage().contains(type), e.getMessage());
        }
    }

    @Test
    void unsupportedNestedTextModelType() {
        ConfigException e = fails("{'model_type': 'llava', 'text_config': {'model_type': 'mistral'}}");
        assertNames(e, "text_config.model_type");
        assertTrue(e.getMessage().contains("llama, qwen2"), e.getMessage());
    }

    @Test
    void unsupportedNestedVisionModelType() {
        ConfigException e = fails("{'model_type': 'llava', 'vision_config': {'model_type': 'idefics3_vision'}}");
        assertNames(e, "vision_config.model_type");
        assertTrue(e.getMessage().contains("clip_vision_model, siglip_vision_model"), e.getMessage());
    }

    @Test
    void headsNotDividingHiddenSize() {
        ConfigException e = fails("{'model_type': 'idefics3', 'scale_factor': 1,"
                + " 'text_config': {'model_type': 'llama', 'hidden_size': 576, 'num_attention_heads': 7}}");
        assertNames(e, "text_config.num_attention_heads");
        assertTrue(e.getMessage().contains("576"), e.getMessage());
    }

    @Test
    void headsNeedNotDivideHiddenSizeWhenHeadDimIsGiven() throws IOException {
        Files.writeString(file(), "{\"model_type\": \"llama\", \"hidden_size\": 576, \"num_attention_heads\": 7,"
                + " \"num_key_value_heads\": 1, \"head_dim\": 64}");
        LlamaConfig c = (LlamaConfig) HfConfigs.read(dir);
        assertEquals(64, c.headDim());
    }

    @Test
    void visionHeadsNotDividingHiddenSize() {
        ConfigException e = fails("{'model_type': 'siglip_vision_model', 'hidden_size': 768, 'num_attention_heads': 10}");
        assertNames(e, "num_attention_heads");
    }

    @Test
    void kvHeadsNotDividingHeads() {
        ConfigException e = fails("{'model_type': 'qwen2', 'hidden_size': 896, 'num_attention_heads': 14,"
                + " 'num_key_value_heads': 4}");
        assertNames(e, "num_key_value_heads");
        assertTrue(e.getMessage().contains("14"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} {1} = {2}")
    @CsvSource({
            "llama, vocab_size, 0",
            "llama, hidden_size, -576",
            "llama, intermediate_size, 0",
            "llama, num_hidden_layers, 0",
            "llama, num_attention_heads, 0",
            "llama, num_key_value_heads, 0",
            "llama, head_dim, -64",
            "llama, max_position_embeddings, 0",
            "qwen2, sliding_window, 0",
            "qwen2, max_window_layers, -1",
            "siglip_vision_model, hidden_size, 0",
            "siglip_vision_model, num_channels, 0",
            "siglip_vision_model, image_size, -224",
            "siglip_vision_model, patch_size, 0",
            "clip_vision_model, projection_dim, 0",
            "clip_vision_model, num_hidden_layers, -1",
            "idefics3, scale_factor, 0",
            "llava, image_seq_length, 0",
    })
    void nonPositiveSize(String modelType, String field, int value) {
        ConfigException e = fails("{'model_type': '" + modelType + "', '" + field + "': " + value + "}");
        assertNames(e, field);
        assertTrue(e.getMessage().contains(String.valueOf(value)), e.getMessage());
    }

    @Test
    void nonPositiveSizeInNestedVisionConfig() {
        ConfigException e = fails("{'model_type': 'llava', 'vision_config': {'patch_size': 0}}");
        assertNames(e, "vision_config.patch_size");
    }

    @Test
    void stringWhereAnIntIsNeeded() {
        ConfigException e = fails("{'model_type': 'llava', 'text_config': {'model_type': 'qwen2', 'hidden_size': '896'}}");
        assertNames(e, "text_config.hidden_size");
        assertTrue(e.getMessage().contains("expected an integer, got string \"896\""), e.getMessage());
    }

    @Test
    void fractionWhereAnIntIsNeeded() {
        ConfigException e = fails("{'model_type': 'idefics3', 'scale_factor': 2.5}");
        assertNames(e, "scale_factor");
        assertTrue(e.getMessage().contains("expected an integer"), e.getMessage());
    }

    @Test
    void intTooLargeForAnInt() {
        ConfigException e = fails("{'model_type': 'llama', 'vocab_size': 4294967296}");
        assertNames(e, "vocab_size");
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void numberWhereABooleanIsNeeded() {
        ConfigException e = fails("{'model_type': 'llama', 'tie_word_embeddings': 1}");
        assertNames(e, "tie_word_embeddings");
        assertTrue(e.getMessage().contains("expected true or false"), e.getMessage());
    }

    @Test
    void stringWhereANumberIsNeeded() {
        ConfigException e = fails("{'model_type': 'llama', 'rope_theta': '10000'}");
        assertNames(e, "rope_theta");
        assertTrue(e.getMessage().contains("expected a number"), e.getMessage());
    }

    @Test
    void numberWhereAStringIsNeeded() {
        ConfigException e = fails("{'model_type': 'clip_vision_model', 'hidden_act': 1}");
        assertNames(e, "hidden_act");
        assertTrue(e.getMessage().contains("expected a string"), e.getMessage());
    }

    @Test
    void nullWhereASizeIsNeeded() {
        ConfigException e = fails("{'model_type': 'llama', 'intermediate_size': null}");
        assertNames(e, "intermediate_size");
    }

    @Test
    void wrongTypeInsideATokenIdList() {
        ConfigException e = fails("{'model_type': 'llama', 'eos_token_id': [128001, '128008']}");
        assertNames(e, "eos_token_id[1]");
    }

    @Test
    void nestedConfigThatIsNotAnObject() {
        ConfigException e = fails("{'model_type': 'llava', 'vision_config': 'clip'}");
        assertNames(e, "vision_config");
        assertTrue(e.getMessage().contains("expected a JSON object"), e.getMessage());
    }

    /**
     * Not an error: transformers' patch conv drops the remainder (siglip-so400m-patch14-384 is real).
     * What is impossible is an image smaller than one patch.
     */
    @Test
    void imageSizeSmallerThanPatchSize() {
        ConfigException e = fails("{'model_type': 'clip_vision_model', 'image_size': 8, 'patch_size': 14}");
        assertNames(e, "image_size");
        assertTrue(e.getMessage().contains("patch_size 14"), e.getMessage());
    }

    @Test
    void imageSizeNotAMultipleOfPatchSizeIsFloored() throws IOException {
        Files.writeString(file(), "{\"model_type\": \"siglip_vision_model\", \"image_size\": 384, \"patch_size\": 14}");
        VisionConfig v = (VisionConfig) HfConfigs.read(dir);
        assertEquals(27, v.patchesPerSide());
    }

    @Test
    void negativeRmsNormEps() {
        ConfigException e = fails("{'model_type': 'llava', 'text_config': {'rms_norm_eps': -1e-5}}");
        assertNames(e, "text_config.rms_norm_eps");
    }

    @Test
    void negativeLayerNormEps() {
        ConfigException e = fails("{'model_type': 'idefics3', 'vision_config': {'layer_norm_eps': -1e-6}}");
        assertNames(e, "vision_config.layer_norm_eps");
    }

    @Test
    void idefics3ScaleFactorNotDividingThePatchGrid() {
        ConfigException e = fails("{'model_type': 'idefics3', 'scale_factor': 3,"
                + " 'vision_config': {'hidden_size': 768, 'image_size': 512, 'patch_size': 16, 'num_attention_heads': 12}}");
        assertNames(e, "scale_factor");
        assertTrue(e.getMessage().contains("32 patches per side"), e.getMessage());
    }

    @Test
    void llavaUnknownFeatureSelectStrategy() {
        ConfigException e = fails("{'model_type': 'llava', 'vision_feature_select_strategy': 'cls'}");
        assertNames(e, "vision_feature_select_strategy");
    }

    @Test
    void llavaFeatureLayerBeyondTheTower() {
        ConfigException e = fails("{'model_type': 'llava', 'vision_config': {'num_hidden_layers': 12},"
                + " 'vision_feature_layer': [-2, -14]}");
        assertNames(e, "vision_feature_layer[1]");
    }

    @Test
    void llama3RopeScalingWithoutLowFreqFactor() {
        ConfigException e = fails("{'model_type': 'llama', 'rope_scaling': {'rope_type': 'llama3', 'factor': 32.0,"
                + " 'high_freq_factor': 4.0, 'original_max_position_embeddings': 8192}}");
        assertNames(e, "rope_scaling.low_freq_factor");
    }

    @Test
    void nonPositiveRopeTheta() {
        ConfigException e = fails("{'model_type': 'llama', 'rope_parameters': {'rope_theta': 0}}");
        assertNames(e, "rope_parameters.rope_theta");
    }

    @Test
    void qwen2LayerTypesOfTheWrongLength() {
        ConfigException e = fails("{'model_type': 'qwen2', 'num_hidden_layers': 3, 'layer_types': ['full_attention']}");
        assertNames(e, "layer_types");
    }

    @Test
    void notJson() {
        ConfigException e = failsOnBytes("{\"model_type\": \"llama\",\n  hidden_size: 576}".getBytes(StandardCharsets.UTF_8));
        assertNamesFileOnly(e, "not valid JSON at line 2");
    }

    @Test
    void trailingContentAfterTheObject() {
        ConfigException e = failsOnBytes("{\"model_type\": \"llama\"} {}".getBytes(StandardCharsets.UTF_8));
        assertNamesFileOnly(e, "not valid JSON");
    }

    @Test
    void notUtf8() {
        byte[] latin1 = "{\"model_type\": \"llama\", \"_name_or_path\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        ConfigException e = failsOnBytes(latin1);
        assertNamesFileOnly(e, "not UTF-8");
        assertTrue(e.getMessage().contains("byte offset 45"), e.getMessage());
    }

    @Test
    void utf16IsNotUtf8() {
        ConfigException e = failsOnBytes("{\"model_type\": \"llama\"}".getBytes(StandardCharsets.UTF_16));
        assertNamesFileOnly(e, "not UTF-8");
    }

    @Test
    void emptyFile() {
        ConfigException e = failsOnBytes(new byte[0]);
        assertNamesFileOnly(e, "empty file");
    }

    @Test
    void topLevelIsNotAnObject() {
        ConfigException e = fails("[{'model_type': 'llama'}]");
        assertNamesFileOnly(e, "expected a JSON object at the top level, got a list");
    }

    @Test
    void missingFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> HfConfigs.read(dir));
        assertNamesFileOnly(e, "no such file");
    }

    @Test
    void parseNamesTheGivenSource() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> HfConfigs.parse(Json.object("{'model_type': 'llama', 'num_attention_heads': 5}"), "hub:org/model"));
        assertEquals(Optional.of("hub:org/model"), e.source());
        assertEquals(Optional.of("num_attention_heads"), e.field());
        assertEquals("hub:org/model: num_attention_heads: 5 does not divide hidden_size 4096 and head_dim is not given",
                e.getMessage());
    }

    @Test
    void recordConstructorErrorsNameTheFieldWithoutAFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> new GenerationConfig(
                java.util.OptionalInt.empty(), java.util.List.of(), java.util.OptionalInt.empty(),
                java.util.OptionalInt.empty(), false, 1.0, 1.5, 50, Extras.none()));
        assertEquals(Optional.empty(), e.source());
        assertEquals(Optional.of("top_p"), e.field());
    }
}
