package org.vlmdistill.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads Hugging Face {@code config.json} and {@code generation_config.json} files into the records of
 * this package. The JSON is read as a tree and each record is built by hand, so every error names
 * the file and the JSON path of the field. Nothing in a file is treated as a path.
 */
public final class HfConfigs {
    public static final String CONFIG_FILE = "config.json";
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";

    /** The {@code model_type}s {@link #parse} accepts at the top level, sorted. */
    public static final List<String> SUPPORTED_MODEL_TYPES = List.of(
            ClipVisionConfig.MODEL_TYPE, Idefics3Config.MODEL_TYPE, InternLM2Config.MODEL_TYPE,
            InternVLChatConfig.HF_MODEL_TYPE,
            InternVLChatConfig.MODEL_TYPE, LlamaConfig.MODEL_TYPE, LlavaConfig.MODEL_TYPE, Qwen2Config.MODEL_TYPE,
            SiglipVisionConfig.MODEL_TYPE);

    private static final List<String> TEXT_MODEL_TYPES =
            List.of(InternLM2Config.MODEL_TYPE, LlamaConfig.MODEL_TYPE, Qwen2Config.MODEL_TYPE);
    private static final List<String> VISION_MODEL_TYPES =
            List.of(ClipVisionConfig.MODEL_TYPE, SiglipVisionConfig.MODEL_TYPE);

    // ObjectReader is immutable. Trailing tokens after the object are an error, as in Python's json.
    private static final ObjectReader JSON =
            new ObjectMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private HfConfigs() {
    }

    /** Reads {@code dir/config.json}, or the given file if it is not a directory. */
    public static ModelConfig read(Path modelDirOrConfigJson) {
        Path file = Files.isDirectory(modelDirOrConfigJson)
                ? modelDirOrConfigJson.resolve(CONFIG_FILE) : modelDirOrConfigJson;
        return parse(readJson(file), file.toString());
    }

    /**
     * Reads a parsed {@code config.json}; {@code sourceName} is what errors name as the file. The tree
     * is not kept: values the records hold are copied out of it.
     */
    public static ModelConfig parse(JsonNode root, String sourceName) {
        ConfigNode c = ConfigNode.root(root, sourceName);
        String type = modelType(c, null, SUPPORTED_MODEL_TYPES);
        return switch (type) {
            case LlamaConfig.MODEL_TYPE -> LlamaConfig.read(c);
            case Qwen2Config.MODEL_TYPE -> Qwen2Config.read(c);
            case InternLM2Config.MODEL_TYPE -> InternLM2Config.read(c);
            case SiglipVisionConfig.MODEL_TYPE -> SiglipVisionConfig.readSiglip(c);
            case ClipVisionConfig.MODEL_TYPE -> ClipVisionConfig.read(c);
            case Idefics3Config.MODEL_TYPE -> Idefics3Config.read(c);
            case LlavaConfig.MODEL_TYPE -> LlavaConfig.read(c);
            case InternVLChatConfig.MODEL_TYPE -> InternVLChatConfig.read(c);
            case InternVLChatConfig.HF_MODEL_TYPE -> InternVLChatConfig.readHf(c);
            default -> throw new AssertionError(type);
        };
    }

    /** Reads {@code dir/generation_config.json}, or the given file if it is not a directory. */
    public static GenerationConfig readGeneration(Path modelDirOrGenerationJson) {
        Path file = Files.isDirectory(modelDirOrGenerationJson)
                ? modelDirOrGenerationJson.resolve(GENERATION_CONFIG_FILE) : modelDirOrGenerationJson;
        return parseGeneration(readJson(file), file.toString());
    }

    /** {@code modelDir/generation_config.json} if the model has one (many vision towers do not). */
    public static Optional<GenerationConfig> readGenerationIfPresent(Path modelDir) {
        Path file = modelDir.resolve(GENERATION_CONFIG_FILE);
        return Files.isRegularFile(file) ? Optional.of(readGeneration(file)) : Optional.empty();
    }

    public static GenerationConfig parseGeneration(JsonNode root, String sourceName) {
        return GenerationConfig.read(ConfigNode.root(root, sourceName));
    }

    /** A nested {@code text_config}; HF fills in a missing model_type with {@code defaultType}. */
    static TextConfig readText(ConfigNode c, String defaultType) {
        return readTextOfType(c, modelType(c, defaultType, TEXT_MODEL_TYPES));
    }

    /** Whether {@link #readTextOfType} reads {@code type}. */
    static boolean isTextModelType(String type) {
        return TEXT_MODEL_TYPES.contains(type);
    }

    /**
     * A nested decoder config read as {@code type} whatever its own model_type says (InternVL picks the
     * class by {@code llm_config.architectures}); {@code type} is one {@link #isTextModelType} accepts.
     */
    static TextConfig readTextOfType(ConfigNode c, String type) {
        return switch (type) {
            case LlamaConfig.MODEL_TYPE -> LlamaConfig.read(c);
            case Qwen2Config.MODEL_TYPE -> Qwen2Config.read(c);
            case InternLM2Config.MODEL_TYPE -> InternLM2Config.read(c);
            default -> throw new AssertionError(type);
        };
    }

    /** A nested {@code vision_config}; HF fills in a missing model_type with {@code defaultType}. */
    static VisionConfig readVision(ConfigNode c, String defaultType) {
        return switch (modelType(c, defaultType, VISION_MODEL_TYPES)) {
            case ClipVisionConfig.MODEL_TYPE -> ClipVisionConfig.read(c);
            case SiglipVisionConfig.MODEL_TYPE -> SiglipVisionConfig.readSiglip(c);
            default -> throw new AssertionError();
        };
    }

    private static String modelType(ConfigNode c, String defaultType, List<String> supported) {
        Optional<String> given = c.optionalString("model_type");
        if (given.isEmpty() && defaultType == null) {
            throw c.error("model_type", "missing; supported model types: " + String.join(", ", supported));
        }
        String type = given.orElse(defaultType);
        if (!supported.contains(type)) {
            throw c.error("model_type",
                    "unsupported \"" + type + "\"; supported model types: " + String.join(", ", supported));
        }
        return type;
    }

    /** The file as a JSON tree; errors say whether it is missing, not UTF-8, or not JSON. */
    public static JsonNode readJson(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, null, "no such file", e);
        } catch (IOException e) {
            throw new ConfigException(source, null, "cannot read: " + e, e);
        }
        String text = utf8(bytes, source);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.isBlank()) {
            throw new ConfigException(source, null, "empty file, expected a JSON object");
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(source, null, "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
    }

    // Strict decoding: Jackson would otherwise report bad bytes as a JSON syntax error, or guess
    // another encoding from the first bytes.
    private static String utf8(byte[] bytes, String source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new ConfigException(source, null,
                    "not UTF-8 text: malformed byte sequence at byte offset " + in.position());
        }
        return out.flip().toString();
    }
}
