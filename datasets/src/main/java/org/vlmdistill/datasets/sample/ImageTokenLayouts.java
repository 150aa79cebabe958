package org.vlmdistill.datasets.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.core.config.ClipVisionConfig;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.Idefics3Config;
import org.vlmdistill.core.config.LlavaConfig;
import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.Idefics3ImageTokens;
import org.vlmdistill.core.multimodal.ImageTokenLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The image-token layout of a Hugging Face model directory, from its config and processor files. */
public final class ImageTokenLayouts {
    private ImageTokenLayouts() {}

    /** Empty for a text-only model. */
    public static Optional<ImageTokenLayout> forModel(Path modelDir) throws IOException {
        ModelConfig config = HfConfigs.read(modelDir);
        return switch (config) {
            case Idefics3Config c -> {
                JsonNode p = preprocessor(modelDir);
                yield Optional.of(new Idefics3ImageTokens(c.imageSeqLength(),
                        p.path("size").path("longest_edge").asInt(Idefics3ImageTokens.DEFAULT_LONGEST_EDGE),
                        p.path("max_image_size").path("longest_edge").asInt(Idefics3ImageTokens.DEFAULT_TILE_SIZE),
                        p.path("do_image_splitting").asBoolean(Idefics3ImageTokens.DEFAULT_DO_IMAGE_SPLITTING)));
            }
            case LlavaConfig c -> {
                // the tower's own size: what LLaVA's processors crop or resize to
                JsonNode proc = json(modelDir.resolve("processor_config.json"));
                int additional = proc.path("num_additional_image_tokens")
                        .asInt(c.visionConfig() instanceof ClipVisionConfig ? 1 : 0);
                int side = c.visionConfig().imageSize();
                yield Optional.of(FixedImageTokens.llava(side, side, c.visionConfig().patchSize(), additional,
                        c.visionFeatureSelectStrategy()));
            }
            default -> Optional.empty();
        };
    }

    private static JsonNode preprocessor(Path dir) throws IOException {
        return json(dir.resolve("preprocessor_config.json"));
    }

    /** The file's JSON object, or an empty object where the file is absent. */
    private static JsonNode json(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new ObjectMapper().createObjectNode();
        }
        try {
            JsonNode node = new ObjectMapper().readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new IOException(file + ": not a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
