package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * transformers {@code Idefics3Config} ({@code model_type} "idefics3"): Idefics3 and SmolVLM. A SigLIP
 * tower, a pixel-shuffle connector that folds each {@code scale_factor x scale_factor} block of patch
 * features into one token, and a decoder (Llama in every released checkpoint).
 *
 * <p>transformers' defaults do not fit together: Idefics3VisionConfig's 224 / 32 = 7 patches per side
 * cannot be pixel-shuffled by the default scale_factor 2, so a file that relies on both is rejected
 * (real checkpoints set them: Idefics3-8B 364 / 14 = 26 with 2, SmolVLM-256M 512 / 16 = 32 with 4).
 *
 * @param tieWordEmbeddings the top-level key; {@code text_config} has its own
 * @param padTokenId the top-level {@code pad_token_id} (Idefics3Config default 128002)
 */
public record Idefics3Config(
        TextConfig textConfig,
        SiglipVisionConfig visionConfig,
        int scaleFactor,
        int imageTokenId,
        boolean tieWordEmbeddings,
        OptionalInt padTokenId,
        Optional<String> torchDtype,
        Extras extra) implements VisionLanguageConfig {

    public static final String MODEL_TYPE = "idefics3";

    public Idefics3Config {
        Require.nonNull("text_config", textConfig);
        Require.nonNull("vision_config", visionConfig);
        Require.positive("scale_factor", scaleFactor);
        // Idefics3Connector.pixel_shuffle reshapes the patch grid into (side / scale_factor) blocks.
        if (visionConfig.patchesPerSide() % scaleFactor != 0) {
            throw Require.invalid("scale_factor", scaleFactor + " does not divide the "
                    + visionConfig.patchesPerSide() + " patches per side of vision_config (image_size "
                    + visionConfig.imageSize() + " / patch_size " + visionConfig.patchSize() + ")");
        }
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** Image tokens per image tile: the patch grid shrunk by {@code scale_factor} on each side. */
    public int imageSeqLength() {
        return visionConfig.numPatches() / (scaleFactor * scaleFactor);
    }

    static Idefics3Config read(ConfigNode c) {
        // Defaults: transformers Idefics3Config (models/idefics3/configuration_idefics3.py).
        OptionalInt pad = c.optionalInt("pad_token_id", OptionalInt.of(128002));
        TextConfig text = c.child("text_config")
                .map(t -> HfConfigs.readText(t, LlamaConfig.MODEL_TYPE))
                .orElseGet(() -> defaultText(c, pad));
        SiglipVisionConfig vision = c.child("vision_config")
                .map(SiglipVisionConfig::readIdefics3)
                .orElseGet(() -> SiglipVisionConfig.readIdefics3(c.defaultChild("vision_config",
                        JsonNodeFactory.instance.objectNode())));
        return c.build(() -> new Idefics3Config(
                text,
                vision,
                c.intOr("scale_factor", 2),
                c.intOr("image_token_id", 128257),
                c.boolOr("tie_word_embeddings", false),
                pad,
                c.torchDtype(),
                c.extras()));
    }

    /** Idefics3Config without text_config: LlamaConfig(rms_norm_eps=1e-5, pad_token_id=pad, tie=False). */
    private static TextConfig defaultText(ConfigNode c, OptionalInt pad) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("rms_norm_eps", 1e-5);
        if (pad.isPresent()) {
            json.put("pad_token_id", pad.getAsInt());
        } else {
            json.putNull("pad_token_id");
        }
        json.put("tie_word_embeddings", false);
        return LlamaConfig.read(c.defaultChild("text_config", json));
    }
}
