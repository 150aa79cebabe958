package org.vlmdistill.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.config.GenerationConfig;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one way to open a Hugging Face model directory: {@code config.json} (as a tree, kept so that a
 * saved model writes back every key, and as a config record, with any id it leaves to the tokenizer
 * resolved from the tokenizer files), {@code preprocessor_config.json} (an empty object where absent)
 * and {@code generation_config.json}. A model built in memory has no
 * directory but the same trees.
 */
public final class ModelDirectory {

    /** Files a model directory may hold beside config and weights; {@link ModelWriter} copies them. */
    public static final List<String> COMPANION_FILES = List.of(
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
            "vocab.json", "merges.txt", "tokenizer.model", "chat_template.json", "chat_template.jinja",
            "preprocessor_config.json", "processor_config.json", "generation_config.json");

    public static final String PREPROCESSOR_FILE = "preprocessor_config.json";

    private final Optional<Path> root;
    private final JsonNode configJson;
    private final ModelConfig config;
    private final JsonNode preprocessor;
    private final Optional<GenerationConfig> generation;

    private ModelDirectory(Optional<Path> root, JsonNode configJson, ModelConfig config, JsonNode preprocessor,
                           Optional<GenerationConfig> generation) {
        this.root = root;
        this.configJson = configJson.deepCopy();
        this.config = config;
        this.preprocessor = preprocessor.deepCopy();
        this.generation = generation;
    }

    /**
     * Reads the directory's config files, and holds config.json to the headers of the directory's
     * checkpoint where it has one (names and shapes, not the weights; see {@link CheckpointFit}).
     *
     * @throws ConfigException naming the file and field of a bad config, or of a config that promises
     *     more layers or larger tensors than its checkpoint holds
     */
    public static ModelDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(dir.toString(), null, "not a model directory");
        }
        Path configFile = dir.resolve(HfConfigs.CONFIG_FILE);
        JsonNode tree = HfConfigs.readJson(configFile);
        ModelConfig config = withTokenizerIds(HfConfigs.parse(tree, configFile.toString()), dir);
        checkAgainstCheckpoint(dir, config, configFile);
        Path pre = dir.resolve(PREPROCESSOR_FILE);
        JsonNode preprocessor = Files.isRegularFile(pre) ? HfConfigs.readJson(pre) : JsonNodeFactory.instance.objectNode();
        if (!preprocessor.isObject()) {
            throw new ConfigException(pre.toString(), null, "expected a JSON object");
        }
        return new ModelDirectory(Optional.of(dir), tree, config, preprocessor, HfConfigs.readGenerationIfPresent(dir));
    }

    /**
     * The config with the ids it leaves to the tokenizer: InternVL's {@code <IMG_CONTEXT>}, from the
     * directory's tokenizer files ({@link AddedTokens}). A directory with no tokenizer file at all (weights
     * and config only, as a checkpoint to inspect) keeps the id unresolved, and whatever needs it says so.
     *
     * @throws ConfigException when tokenizer files are present and none defines the token, naming them
     */
    private static ModelConfig withTokenizerIds(ModelConfig config, Path dir) {
        if (config instanceof InternVLChatConfig c && c.imgContextTokenId().isEmpty() && AddedTokens.present(dir)) {
            return c.withImgContextTokenId(AddedTokens.require(dir, InternVLChatConfig.IMG_CONTEXT_TOKEN));
        }
        return config;
    }

    /**
     * Holds the config to its checkpoint's headers ({@link CheckpointFit}) when the directory has one. A
     * checkpoint that cannot be read is not this method's to report: whoever loads the weights reports
     * it naming file and tensor, and a directory opened for its config and tokenizer alone (a teacher
     * whose logits are cached) does not read them.
     */
    private static void checkAgainstCheckpoint(Path dir, ModelConfig config, Path configFile) {
        if (!hasWeights(dir)) {
            return;
        }
        SafetensorsCheckpoint checkpoint;
        try {
            checkpoint = SafetensorsCheckpoint.open(dir);
        } catch (IOException | SafetensorsException unreadable) {
            return;
        }
        try (checkpoint) {
            CheckpointFit.check(config, checkpoint, configFile.toString());
        }
    }

    /**
     * Whether {@code dir} holds safetensors weights (a single file or an index); a directory without
     * them (a published config.json) is planned and counted from its config alone ({@link Models#configStructure}).
     */
    public static boolean hasWeights(Path dir) {
        return Files.exists(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE), LinkOption.NOFOLLOW_LINKS);
    }

    /** A model described in memory (tests, benchmarks); {@code preprocessor} may be null for none. */
    public static ModelDirectory of(JsonNode configJson, JsonNode preprocessor) {
        ModelConfig config = HfConfigs.parse(configJson, "<config>");
        JsonNode pre = preprocessor == null ? JsonNodeFactory.instance.objectNode() : preprocessor;
        return new ModelDirectory(Optional.empty(), configJson, config, pre, Optional.empty());
    }

    public Optional<Path> root() {
        return root;
    }

    /** A copy of config.json's tree. */
    public ObjectNode configJson() {
        return (ObjectNode) configJson.deepCopy();
    }

    public ModelConfig config() {
        return config;
    }

    /** A copy of preprocessor_config.json's tree; an empty object where there is none. */
    public JsonNode preprocessor() {
        return preprocessor.deepCopy();
    }

    public Optional<GenerationConfig> generation() {
        return generation;
    }

    /** What errors name: the directory, or "&lt;in-memory model&gt;". */
    public String describe() {
        return root.map(Path::toString).orElse("<in-memory model>");
    }

    /**
     * The weights of the directory.
     *
     * @throws IOException if it has none or they cannot be read
     */
    public SafetensorsCheckpoint openCheckpoint() throws IOException {
        Path dir = root.orElseThrow(() -> new IOException("an in-memory model has no checkpoint"));
        return SafetensorsCheckpoint.open(dir);
    }

    /** The companion files present in the directory, regular files only (no symlinks). */
    public List<Path> companionFiles() {
        List<Path> files = new ArrayList<>();
        root.ifPresent(dir -> {
            for (String name : COMPANION_FILES) {
                Path f = dir.resolve(name);
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(f);
                }
            }
        });
        return files;
    }

    /** The directory's file {@code name} if the directory has it as a regular file. */
    public Optional<Path> file(String name) {
        Objects.requireNonNull(name, "name");
        return root.map(d -> d.resolve(name)).filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                .filter(f -> f.getParent().equals(root.get()));
    }
}
