package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * InternVL's {@code InternVLChatConfig} ({@code model_type} "internvl_chat"): InternVL 1.5, 2, 2.5 and 3
 * as OpenGVLab publishes them. An InternViT tower ({@code vision_config}), the {@code mlp1} connector
 * (pixel shuffle by {@code downsample_ratio}, then LayerNorm, Linear, GELU, Linear) and a decoder
 * ({@code llm_config}) whose class is chosen by {@code llm_config.architectures[0]}, not by its
 * model_type, as {@code InternVLChatConfig.__init__} does.
 *
 * <p>transformers' own {@code InternVLConfig} ({@code model_type} "internvl": the InternVL3-*-hf
 * checkpoints) describes the same model with other keys ({@code text_config}, {@code image_token_id},
 * {@code vision_feature_layer}, a {@code vision_config} of InternVLVisionConfig); {@link #readHf} reads it into
 * this record, so that one tower, connector and decoder serve both layouts. Its ps_version is v2.
 *
 * <p>config.json does not hold the id of the {@code <IMG_CONTEXT>} token whose embeddings the image
 * features replace: the reference sets {@code img_context_token_id} from the tokenizer at run time.
 * {@code ModelDirectory.open} resolves it from the directory's tokenizer files
 * ({@link #withImgContextTokenId}); a config read from config.json alone has none, and
 * {@link #imageTokenId()} says so.
 *
 * @param modelType "internvl_chat", or "internvl" for transformers' layout
 * @param llmArchitecture {@code llm_config.architectures[0]} ("Qwen2ForCausalLM", "InternLM2ForCausalLM", ...)
 * @param selectLayer which of the tower's hidden states feeds mlp1: -1 the last, else
 *     {@code hidden_states[select_layer]} (index 0 the embeddings, negative from the end)
 * @param downsampleRatio pixel shuffle keeps {@code downsample_ratio^2} of the tokens, each
 *     {@code 1 / downsample_ratio^2} times as wide; its inverse must be a whole number
 * @param psVersion pixel shuffle version: "v2" (every released InternVL2+ checkpoint), or "v1", which
 *     leaves the token grid transposed
 * @param forceImageSize the tile size the model is run at, when it is not {@code vision_config.image_size}
 * @param template InternVL's conversation template name ({@code internlm2-chat}, {@code Hermes-2}, ...)
 * @param tieWordEmbeddings false for internvl_chat: InternVLChatConfig.__init__ sets it so for the model
 *     and its llm_config whatever the file says (every checkpoint holds its own output projection); for
 *     internvl the top-level key, else text_config's
 * @param imgContextTokenId the {@code <IMG_CONTEXT>} id: from the tokenizer files for internvl_chat (empty
 *     until resolved), {@code image_token_id} for internvl
 */
public record InternVLChatConfig(
        String modelType,
        InternVisionConfig visionConfig,
        TextConfig llmConfig,
        String llmArchitecture,
        int selectLayer,
        double downsampleRatio,
        String psVersion,
        OptionalInt forceImageSize,
        Optional<String> template,
        boolean dynamicImageSize,
        boolean useThumbnail,
        int minDynamicPatch,
        int maxDynamicPatch,
        boolean tieWordEmbeddings,
        OptionalInt imgContextTokenId,
        Optional<String> torchDtype,
        Extras extra) implements VisionLanguageConfig {

    public static final String MODEL_TYPE = "internvl_chat";
    /** transformers' InternVLConfig. */
    public static final String HF_MODEL_TYPE = "internvl";
    /** The token the image features replace ({@code IMG_CONTEXT_TOKEN} in modeling_internvl_chat.py). */
    public static final String IMG_CONTEXT_TOKEN = "<IMG_CONTEXT>";
    public static final String PS_V1 = "v1";
    public static final String PS_V2 = "v2";

    /**
     * {@code llm_config.architectures[0]} to the text model type read for it, in the order
     * InternVLChatConfig tries them; Phi3ForCausalLM (InternVL2-4B) has no decoder here.
     */
    static final Map<String, String> LLM_ARCHITECTURES = architectures();

    public InternVLChatConfig {
        if (!MODEL_TYPE.equals(modelType) && !HF_MODEL_TYPE.equals(modelType)) {
            throw Require.invalid("model_type", "\"" + modelType + "\" is not " + MODEL_TYPE + " or " + HF_MODEL_TYPE);
        }
        Require.nonNull("vision_config", visionConfig);
        Require.nonNull("llm_config", llmConfig);
        Require.nonBlank("llm_config.architectures", llmArchitecture);
        // hidden_states holds the embeddings and one entry per layer; Python indexing allows -len..len-1.
        int states = visionConfig.numHiddenLayers() + 1;
        if (selectLayer < -states || selectLayer >= states) {
            throw Require.invalid("select_layer", selectLayer + " is outside the " + states
                    + " hidden states of a " + visionConfig.numHiddenLayers() + "-layer vision tower");
        }
        Objects.requireNonNull(forceImageSize, "forceImageSize");
        forceImageSize.ifPresent(size -> {
            Require.positive("force_image_size", size);
            ConfigBounds.atMost("force_image_size", size, ConfigBounds.MAX_IMAGE_SIZE);
        });
        int side = forceImageSize.orElse(visionConfig.imageSize()) / visionConfig.patchSize();
        if (side == 0) {
            throw Require.invalid("force_image_size", forceImageSize.getAsInt() + " is smaller than "
                    + "vision_config.patch_size " + visionConfig.patchSize() + ": not one patch fits");
        }
        int shrink = shrink(downsampleRatio);
        // pixel_shuffle views the [side, side] patch grid as [side, side * r, ...]: r * side must be whole.
        if (side % shrink != 0) {
            throw Require.invalid("downsample_ratio", downsampleRatio + " does not divide the " + side
                    + " patches per side (image size " + forceImageSize.orElse(visionConfig.imageSize())
                    + " / patch_size " + visionConfig.patchSize() + ") into whole blocks");
        }
        if (!PS_V1.equals(psVersion) && !PS_V2.equals(psVersion)) {
            throw Require.invalid("ps_version", "\"" + psVersion + "\" is not " + PS_V1 + " or " + PS_V2);
        }
        Objects.requireNonNull(template, "template");
        Require.positive("min_dynamic_patch", minDynamicPatch);
        Require.positive("max_dynamic_patch", maxDynamicPatch);
        if (minDynamicPatch > maxDynamicPatch) {
            throw Require.invalid("min_dynamic_patch", minDynamicPatch + " is above max_dynamic_patch "
                    + maxDynamicPatch);
        }
        // every tile (and the thumbnail) spends num_image_token tokens
        long tokens = (long) (side / shrink) * (side / shrink);
        ConfigBounds.atMost("max_dynamic_patch", maxDynamicPatch,
                (int) Math.max(1, ConfigBounds.MAX_IMAGE_TOKENS / tokens - 1));
        Objects.requireNonNull(imgContextTokenId, "imgContextTokenId");
        imgContextTokenId.ifPresent(id -> Require.nonNegative("img_context_token_id", id));
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    @Override
    public TextConfig textConfig() {
        return llmConfig;
    }

    /** Whether the tensors are transformers' layout ({@code model.vision_tower.}, ...) rather than OpenGVLab's. */
    public boolean hfLayout() {
        return HF_MODEL_TYPE.equals(modelType);
    }

    /**
     * The {@code <IMG_CONTEXT>} id.
     *
     * @throws ConfigException when it was not resolved: a config read from config.json alone, or a model
     *     directory with no tokenizer file
     */
    @Override
    public int imageTokenId() {
        if (imgContextTokenId.isEmpty()) {
            throw new ConfigException(null, "img_context_token_id", "unknown: config.json does not hold the id of "
                    + IMG_CONTEXT_TOKEN + " (InternVL takes it from the tokenizer), and no tokenizer file gave it "
                    + "(ModelDirectory.open reads added_tokens.json, tokenizer_config.json's added_tokens_decoder "
                    + "and tokenizer.json's added_tokens of the model directory)");
        }
        return imgContextTokenId.getAsInt();
    }

    @Override
    public OptionalInt knownImageTokenId() {
        return imgContextTokenId;
    }

    /** This config with the {@code <IMG_CONTEXT>} id the tokenizer files give. */
    public InternVLChatConfig withImgContextTokenId(int id) {
        return new InternVLChatConfig(modelType, visionConfig, llmConfig, llmArchitecture, selectLayer,
                downsampleRatio, psVersion, forceImageSize, template, dynamicImageSize, useThumbnail, minDynamicPatch,
                maxDynamicPatch, tieWordEmbeddings, OptionalInt.of(id), torchDtype, extra);
    }

    /** The tile size the model runs at: {@code force_image_size or vision_config.image_size}. */
    public int imageSize() {
        return forceImageSize.orElse(visionConfig.imageSize());
    }

    /** {@code 1 / downsample_ratio}: the side of the patch blocks pixel shuffle folds into one token. */
    public int shrink() {
        return shrink(downsampleRatio);
    }

    /**
     * Image tokens per tile: {@code int((image_size // patch_size)^2 * downsample_ratio^2)} (256 for a
     * 448 tile with patch 14 and ratio 0.5).
     */
    public int numImageToken() {
        int side = imageSize() / visionConfig.patchSize() / shrink();
        return side * side;
    }

    private static int shrink(double ratio) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw Require.invalid("downsample_ratio", "must be in (0, 1], got " + ratio);
        }
        long s = Math.round(1 / ratio);
        if (Math.abs(1 / ratio - s) > 1e-9 * s) {
            throw Require.invalid("downsample_ratio", ratio + " is not 1 / n for a whole n: pixel shuffle "
                    + "folds n x n blocks of patches");
        }
        ConfigBounds.atMost("downsample_ratio", (int) Math.min(s, Integer.MAX_VALUE), ConfigBounds.MAX_IMAGE_SIZE);
        return (int) s;
    }

    private static Map<String, String> architectures() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("LlamaForCausalLM", LlamaConfig.MODEL_TYPE);
        m.put("InternLM2ForCausalLM", "internlm2");
        m.put("Qwen2ForCausalLM", Qwen2Config.MODEL_TYPE);
        return java.util.Collections.unmodifiableMap(m);
    }

    static InternVLChatConfig read(ConfigNode c) {
        // Defaults: InternVLChatConfig (internvl/model/internvl_chat/configuration_internvl_chat.py).
        InternVisionConfig vision = c.child("vision_config").map(InternVisionConfig::read)
                .orElseGet(() -> InternVisionConfig.read(c.defaultChild("vision_config",
                        JsonNodeFactory.instance.objectNode())));
        ConfigNode llm = c.child("llm_config").orElseThrow(() -> c.error("llm_config",
                "missing; InternVLChatConfig needs the decoder's config (llm_config.architectures names its class)"));
        String architecture = llmArchitecture(llm);
        // The architecture decides the class, as in the reference; model_type is read so it is not an extra.
        llm.optionalString("model_type");
        TextConfig text = HfConfigs.readTextOfType(llm, LLM_ARCHITECTURES.get(architecture));
        return c.build(() -> new InternVLChatConfig(
                MODEL_TYPE,
                vision,
                text,
                architecture,
                c.intOr("select_layer", -1),
                c.doubleOr("downsample_ratio", 0.5),
                c.stringOr("ps_version", PS_V1),
                c.optionalInt("force_image_size", OptionalInt.empty()),
                c.optionalString("template"),
                c.boolOr("dynamic_image_size", false),
                c.boolOr("use_thumbnail", false),
                c.intOr("min_dynamic_patch", 1),
                c.intOr("max_dynamic_patch", 6),
                false,
                OptionalInt.empty(),
                c.torchDtype(),
                c.extras()));
    }

    /**
     * transformers' {@code InternVLConfig} (models/internvl/configuration_internvl.py): text_config (Qwen2
     * when it names no model_type), vision_config as {@link InternVisionConfig#readHf}, {@code image_token_id}
     * (default 151667), {@code vision_feature_layer} as select_layer, pixel shuffle v2. The tiling fields
     * InternVLChatConfig carries are the processor's in this layout (preprocessor_config.json); here they are
     * the reference's dynamic tiling of up to 12 tiles with a thumbnail at the tower's image size.
     */
    static InternVLChatConfig readHf(ConfigNode c) {
        InternVisionConfig vision = c.child("vision_config").map(InternVisionConfig::readHf)
                .orElseGet(() -> InternVisionConfig.readHf(c.defaultChild("vision_config",
                        JsonNodeFactory.instance.objectNode())));
        TextConfig text = c.child("text_config").map(t -> HfConfigs.readText(t, Qwen2Config.MODEL_TYPE))
                .orElseGet(() -> Qwen2Config.read(c.defaultChild("text_config", JsonNodeFactory.instance.objectNode())));
        String architecture = LLM_ARCHITECTURES.entrySet().stream().filter(e -> e.getValue().equals(text.modelType()))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> c.error("text_config.model_type",
                        "\"" + text.modelType() + "\" is no decoder InternVL composes"));
        List<Integer> layers = c.intListOr("vision_feature_layer", List.of(-1));
        if (layers.size() != 1) {
            throw c.error("vision_feature_layer", "one layer is supported, got " + layers);
        }
        String strategy = c.stringOr("vision_feature_select_strategy", "default");
        if (!"default".equals(strategy)) {
            throw c.error("vision_feature_select_strategy", "only \"default\" (the class token dropped) is "
                    + "supported, got \"" + strategy + "\"");
        }
        String act = c.stringOr("projector_hidden_act", "gelu");
        if (!"gelu".equals(act)) {
            throw c.error("projector_hidden_act", "only gelu (InternVL's mlp1) is supported, got \"" + act + "\"");
        }
        boolean tie = c.has("tie_word_embeddings") ? c.boolOr("tie_word_embeddings", false) : text.tieWordEmbeddings();
        return c.build(() -> new InternVLChatConfig(
                HF_MODEL_TYPE,
                vision,
                text,
                architecture,
                layers.get(0),
                c.doubleOr("downsample_ratio", 0.5),
                PS_V2,
                OptionalInt.empty(),
                Optional.empty(),
                true,
                true,
                1,
                12,
                tie,
                OptionalInt.of(c.intOr("image_token_id", 151667)),
                c.torchDtype(),
                c.extras()));
    }

    /** {@code llm_config.architectures[0]}, refused unless a decoder config reads it here. */
    private static String llmArchitecture(ConfigNode llm) {
        List<String> architectures = llm.optionalStringList("architectures").orElse(List.of());
        List<String> supported = LLM_ARCHITECTURES.entrySet().stream()
                .filter(e -> HfConfigs.isTextModelType(e.getValue())).map(Map.Entry::getKey).toList();
        if (architectures.isEmpty()) {
            throw llm.error("architectures", "missing; InternVLChatConfig picks the decoder by it (supported: "
                    + String.join(", ", supported) + ")");
        }
        String architecture = architectures.get(0);
        if (!supported.contains(architecture)) {
            throw llm.error("architectures", "unsupported decoder \"" + architecture + "\"; supported: "
                    + String.join(", ", supported));
        }
        return architecture;
    }
}
