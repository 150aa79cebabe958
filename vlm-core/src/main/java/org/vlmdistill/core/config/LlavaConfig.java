package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * transformers {@code LlavaConfig} ({@code model_type} "llava"): a CLIP or SigLIP tower, a two-layer
 * MLP projector, and a Llama or Qwen2 decoder.
 *
 * @param visionFeatureLayer the hidden state(s) of the tower fed to the projector, indexed into
 *     {@code hidden_states} (embeddings plus one per layer, negative from the end). A bare int in the
 *     file reads as a one-element list: LlavaModel.get_image_features takes {@code hidden_states[i]}
 *     for an int and concatenates {@code hidden_states[i]} over a list, the same for one element.
 * @param visionFeatureSelectStrategy "default" drops the first (CLS) token, "full" keeps all
 * @param tieWordEmbeddings the top-level key or'ed with {@code text_config}'s, as LlavaConfig does
 */
public record LlavaConfig(
        TextConfig textConfig,
        VisionConfig visionConfig,
        int imageTokenIndex,
        String projectorHiddenAct,
        List<Integer> visionFeatureLayer,
        String visionFeatureSelectStrategy,
        int imageSeqLength,
        boolean multimodalProjectorBias,
        boolean tieWordEmbeddings,
        Optional<String> torchDtype,
        Extras extra) implements VisionLanguageConfig {

    public static final String MODEL_TYPE = "llava";

    public LlavaConfig {
        Require.nonNull("text_config", textConfig);
        Require.nonNull("vision_config", visionConfig);
        Require.nonBlank("projector_hidden_act", projectorHiddenAct);
        visionFeatureLayer = List.copyOf(visionFeatureLayer);
        if (visionFeatureLayer.isEmpty()) {
            throw Require.invalid("vision_feature_layer", "must name at least one layer");
        }
        // hidden_states holds the embeddings and one entry per layer; Python indexing allows -len..len-1.
        int states = visionConfig.numHiddenLayers() + 1;
        for (int i = 0; i < visionFeatureLayer.size(); i++) {
            int layer = visionFeatureLayer.get(i);
            if (layer < -states || layer >= states) {
                throw Require.invalid(visionFeatureLayer.size() == 1 ? "vision_feature_layer"
                                : "vision_feature_layer[" + i + "]",
                        layer + " is outside the " + states + " hidden states of a "
                                + visionConfig.numHiddenLayers() + "-layer vision tower");
            }
        }
        // LlavaConfig.__init__ raises ValueError on anything else.
        if (!"default".equals(visionFeatureSelectStrategy) && !"full".equals(visionFeatureSelectStrategy)) {
            throw Require.invalid("vision_feature_select_strategy",
                    "must be \"default\" or \"full\", got \"" + visionFeatureSelectStrategy + "\"");
        }
        Require.positive("image_seq_length", imageSeqLength);
        ConfigBounds.atMost("image_seq_length", imageSeqLength, ConfigBounds.MAX_IMAGE_TOKENS);
        Objects.requireNonNull(torchDtype, "torchDtype");
        Require.nonNull("extra", extra);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** LlavaConfig's attribute_map makes {@code image_token_id} an alias of {@code image_token_index}. */
    @Override
    public int imageTokenId() {
        return imageTokenIndex;
    }

    static LlavaConfig read(ConfigNode c) {
        // Defaults: transformers LlavaConfig (models/llava/configuration_llava.py).
        TextConfig text = c.child("text_config")
                .map(t -> HfConfigs.readText(t, LlamaConfig.MODEL_TYPE))
                .orElseGet(() -> LlamaConfig.read(c.defaultChild("text_config",
                        JsonNodeFactory.instance.objectNode())));
        VisionConfig vision = c.child("vision_config")
                .map(v -> HfConfigs.readVision(v, ClipVisionConfig.MODEL_TYPE))
                .orElseGet(() -> ClipVisionConfig.read(c.defaultChild("vision_config", defaultVision())));
        int imageTokenIndex = c.intOr("image_token_index", 32000);
        if (c.has("image_token_id")) {
            int alias = c.intOr("image_token_id", imageTokenIndex);
            if (!c.has("image_token_index")) {
                imageTokenIndex = alias;
            } else if (alias != imageTokenIndex) {
                throw c.error("image_token_id", alias + " contradicts image_token_index " + imageTokenIndex);
            }
        }
        int tokenIndex = imageTokenIndex;
        // Newer LlavaConfig: tie_word_embeddings=False, then taken from text_config when that ties.
        boolean tie = c.boolOr("tie_word_embeddings", false) || text.tieWordEmbeddings();
        return c.build(() -> new LlavaConfig(
                text,
                vision,
                tokenIndex,
                c.stringOr("projector_hidden_act", "gelu"),
                c.intListOr("vision_feature_layer", List.of(-2)),
                c.stringOr("vision_feature_select_strategy", "default"),
                c.intOr("image_seq_length", 576),
                c.boolOr("multimodal_projector_bias", true),
                tie,
                c.torchDtype(),
                c.extras()));
    }

    /** LlavaConfig without vision_config: the CLIP ViT-L/14-336 tower of LLaVA-1.5. */
    private static ObjectNode defaultVision() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("intermediate_size", 4096);
        json.put("hidden_size", 1024);
        json.put("patch_size", 14);
        json.put("image_size", 336);
        json.put("num_hidden_layers", 24);
        json.put("num_attention_heads", 16);
        json.put("vocab_size", 32000);
        json.put("projection_dim", 768);
        return json;
    }
}
