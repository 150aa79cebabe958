package org.vlmdistill.core.config;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fresh random configs of every supported model type. Valid ones (sizes drawn to satisfy the
 * constraints, optional keys randomly left out, random unknown keys) must read back to exactly the
 * values written, or transformers' defaults where a key was left out. Each one with a single
 * violation (a wrong JSON type, an impossible size, a broken divisibility) must fail naming that field.
 *
 * <p>The seed is random per run and printed on failure; {@code -DconfigSeed=N} replays it.
 */
class ConfigPropertyTest {
    private static final int CASES = Integer.getInteger("configCases", 300);
    private static final ObjectReader JSON = new ObjectMapper().reader();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void randomValidConfigsReadBackTheirValues() {
        long seed = seed();
        Random r = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            Case c = new Gen(r).anyCase();
            String text = c.json().toPrettyString();
            try {
                ModelConfig config = HfConfigs.parse(JSON.readTree(text), "random-" + i + ".json");
                assertEquals(c.expected(), project(config));
            } catch (Throwable t) {
                throw new AssertionError(replay(seed, i) + "\n" + text, t);
            }
        }
    }

    @Test
    void randomViolationsNameTheField() {
        long seed = seed();
        Random r = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            Case c = new Gen(r).anyCase();
            Mutation m = c.mutations().get(r.nextInt(c.mutations().size()));
            String text = m.applyTo(c.json()).toPrettyString();
            String source = "random-" + i + ".json";
            try {
                ConfigException e = assertThrows(ConfigException.class,
                        () -> HfConfigs.parse(JSON.readTree(text), source), "no error for " + m);
                assertEquals(Optional.of(m.path()), e.field(), e.getMessage());
                assertEquals(Optional.of(source), e.source());
                assertTrue(e.getMessage().startsWith(source + ": " + m.path() + ": "), e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError(replay(seed, i) + ", mutation " + m + "\n" + text, t);
            }
        }
    }

    private static long seed() {
        return Long.getLong("configSeed", new Random().nextLong());
    }

    private static String replay(long seed, int i) {
        return "seed " + seed + " (replay with -DconfigSeed=" + seed + "), case " + i;
    }

    // ---- the records, flattened to HF keys -------------------------------------------------------

    private static Map<String, Object> project(ModelConfig config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", config.modelType());
        switch (config) {
            case LlamaConfig c -> {
                text(m, c);
                m.put("attention_bias", c.attentionBias());
                m.put("mlp_bias", c.mlpBias());
            }
            case Qwen2Config c -> {
                text(m, c);
                m.put("use_sliding_window", c.useSlidingWindow());
                m.put("sliding_window", c.slidingWindow());
                m.put("max_window_layers", c.maxWindowLayers());
                m.put("layer_types", c.layerTypes());
            }
            case InternLM2Config c -> {
                text(m, c);
                m.put("bias", c.bias());
            }
            case SiglipVisionConfig c -> vision(m, c);
            case ClipVisionConfig c -> {
                vision(m, c);
                m.put("projection_dim", c.projectionDim());
            }
            case Idefics3Config c -> {
                m.put("text_config", project(c.textConfig()));
                m.put("vision_config", project(c.visionConfig()));
                m.put("scale_factor", c.scaleFactor());
                m.put("image_token_id", c.imageTokenId());
                m.put("tie_word_embeddings", c.tieWordEmbeddings());
                m.put("pad_token_id", c.padTokenId());
            }
            case InternVisionConfig c -> {
                vision(m, c);
                m.put("norm_type", c.normType());
                m.put("qkv_bias", c.qkvBias());
                m.put("qk_normalization", c.qkNormalization());
                m.put("dropout", c.dropout());
                m.put("drop_path_rate", c.dropPathRate());
                m.put("initializer_range", c.initializerRange());
                m.put("initializer_factor", c.initializerFactor());
            }
            case InternVLChatConfig c -> {
                m.put("vision_config", project(c.visionConfig()));
                m.put("llm_config", project(c.llmConfig()));
                m.put("select_layer", c.selectLayer());
                m.put("downsample_ratio", c.downsampleRatio());
                m.put("ps_version", c.psVersion());
                m.put("force_image_size", c.forceImageSize());
                m.put("template", c.template());
                m.put("dynamic_image_size", c.dynamicImageSize());
                m.put("use_thumbnail", c.useThumbnail());
                m.put("min_dynamic_patch", c.minDynamicPatch());
                m.put("max_dynamic_patch", c.maxDynamicPatch());
                m.put("tie_word_embeddings", c.tieWordEmbeddings());
                m.put("img_context_token_id", c.imgContextTokenId());
            }
            case LlavaConfig c -> {
                m.put("text_config", project(c.textConfig()));
                m.put("vision_config", project(c.visionConfig()));
                m.put("image_token_index", c.imageTokenIndex());
                m.put("projector_hidden_act", c.projectorHiddenAct());
                m.put("vision_feature_layer", c.visionFeatureLayer());
                m.put("vision_feature_select_strategy", c.visionFeatureSelectStrategy());
                m.put("image_seq_length", c.imageSeqLength());
                m.put("multimodal_projector_bias", c.multimodalProjectorBias());
                m.put("tie_word_embeddings", c.tieWordEmbeddings());
            }
        }
        m.put("torch_dtype", config.torchDtype());
        m.put("extra", config.extra().asMap());
        return m;
    }

    private static void text(Map<String, Object> m, TextConfig c) {
        m.put("vocab_size", c.vocabSize());
        m.put("hidden_size", c.hiddenSize());
        m.put("intermediate_size", c.intermediateSize());
        m.put("num_hidden_layers", c.numHiddenLayers());
        m.put("num_attention_heads", c.numAttentionHeads());
        m.put("num_key_value_heads", c.numKeyValueHeads());
        m.put("head_dim", c.headDim());
        m.put("hidden_act", c.hiddenAct());
        m.put("max_position_embeddings", c.maxPositionEmbeddings());
        m.put("initializer_range", c.initializerRange());
        m.put("rms_norm_eps", c.rmsNormEps());
        m.put("pad_token_id", c.padTokenId());
        m.put("bos_token_id", c.bosTokenId());
        m.put("eos_token_id", c.eosTokenId());
        m.put("tie_word_embeddings", c.tieWordEmbeddings());
        m.put("rope_theta", c.ropeTheta());
        m.put("rope_scaling", c.ropeScaling().map(ConfigPropertyTest::rope));
        m.put("attention_dropout", c.attentionDropout());
    }

    private static Map<String, Object> rope(RopeScaling s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rope_type", s.ropeType());
        m.put("factor", s.factor());
        m.put("low_freq_factor", s.lowFreqFactor());
        m.put("high_freq_factor", s.highFreqFactor());
        m.put("original_max_position_embeddings", s.originalMaxPositionEmbeddings());
        m.put("extra", s.extra().asMap());
        return m;
    }

    private static void vision(Map<String, Object> m, VisionConfig c) {
        m.put("hidden_size", c.hiddenSize());
        m.put("intermediate_size", c.intermediateSize());
        m.put("num_hidden_layers", c.numHiddenLayers());
        m.put("num_attention_heads", c.numAttentionHeads());
        m.put("num_channels", c.numChannels());
        m.put("image_size", c.imageSize());
        m.put("patch_size", c.patchSize());
        m.put("hidden_act", c.hiddenAct());
        m.put("layer_norm_eps", c.layerNormEps());
        m.put("attention_dropout", c.attentionDropout());
    }

    // ---- the generator -------------------------------------------------------------------------

    /** What a written value must satisfy; decides which bad values a mutation may put there. */
    enum Kind { POSITIVE_INT, NON_NEGATIVE_INT, ANY_INT, POSITIVE_NUMBER, NON_NEGATIVE_NUMBER, FRACTION, ANY_NUMBER, BOOL,
        STRING }

    record Case(ObjectNode json, Map<String, Object> expected, List<Mutation> mutations) {
    }

    /** Replace (or with a null value, remove) one key or list element, expecting an error at path. */
    record Mutation(String path, JsonPointer parent, String key, int index, JsonNode value) {
        ObjectNode applyTo(ObjectNode root) {
            ObjectNode copy = root.deepCopy();
            JsonNode container = copy.at(parent);
            if (key == null) {
                ((ArrayNode) container).set(index, value);
            } else if (value == null) {
                ((ObjectNode) container).remove(key);
            } else {
                ((ObjectNode) container).set(key, value);
            }
            return copy;
        }

        @Override
        public String toString() {
            return path + (value == null ? " removed" : " = " + value);
        }
    }

    private static final class Gen {
        private final Random r;
        private final List<Mutation> mutations = new ArrayList<>();

        Gen(Random r) {
            this.r = r;
        }

        Case anyCase() {
            Obj root = new Obj("", JsonPointer.empty());
            switch (r.nextInt(7)) {
                case 0 -> llama(root, true);
                case 1 -> qwen2(root);
                case 6 -> internlm2(root);
                case 2 -> siglip(root, SiglipVisionConfig.MODEL_TYPE, 1);
                case 3 -> clip(root, true);
                case 4 -> idefics3(root);
                case 5 -> internvl(root);
                default -> llava(root);
            }
            mutations.add(new Mutation("model_type", JsonPointer.empty(), "model_type", -1, null));
            return new Case(root.json, root.exp, List.copyOf(mutations));
        }

        private int between(int lo, int hi) {
            return lo + r.nextInt(hi - lo + 1);
        }

        private <T> T pick(List<T> options) {
            return options.get(r.nextInt(options.size()));
        }

        // -- text

        private void llama(Obj o, boolean modelTypeRequired) {
            if (modelTypeRequired || r.nextBoolean()) {
                o.str("model_type", LlamaConfig.MODEL_TYPE);
            }
            o.exp.put("model_type", LlamaConfig.MODEL_TYPE);
            shape(o, true);
            o.optInt("vocab_size", between(1, 300_000), 32000, Kind.POSITIVE_INT);
            o.optInt("intermediate_size", between(1, 20_000), 11008, Kind.POSITIVE_INT);
            o.optInt("num_hidden_layers", between(1, 40), 32, Kind.POSITIVE_INT);
            o.optStr("hidden_act", pick(List.of("silu", "gelu", "relu")), "silu");
            o.optInt("max_position_embeddings", between(1, 200_000), 2048, Kind.POSITIVE_INT);
            o.optNum("initializer_range", r.nextDouble() * 0.1, 0.02, Kind.NON_NEGATIVE_NUMBER);
            o.optNum("rms_norm_eps", r.nextDouble() * 1e-4, 1e-6, Kind.NON_NEGATIVE_NUMBER);
            o.token("pad_token_id", OptionalInt.empty());
            o.token("bos_token_id", OptionalInt.of(1));
            o.tokens("eos_token_id", List.of(2));
            o.optBool("tie_word_embeddings", false);
            rope(o);
            o.optBool("attention_bias", false);
            o.optNum("attention_dropout", r.nextDouble(), 0.0, Kind.FRACTION);
            o.optBool("mlp_bias", false);
            o.dtype();
            o.extras();
        }

        private void qwen2(Obj o) {
            o.str("model_type", Qwen2Config.MODEL_TYPE);
            o.exp.put("model_type", Qwen2Config.MODEL_TYPE);
            shape(o, false);
            o.optInt("vocab_size", between(1, 300_000), 151936, Kind.POSITIVE_INT);
            o.optInt("intermediate_size", between(1, 30_000), 22016, Kind.POSITIVE_INT);
            int layers = o.optInt("num_hidden_layers", between(1, 40), 32, Kind.POSITIVE_INT);
            o.optStr("hidden_act", "silu", "silu");
            o.optInt("max_position_embeddings", between(1, 200_000), 32768, Kind.POSITIVE_INT);
            o.optNum("initializer_range", r.nextDouble() * 0.1, 0.02, Kind.NON_NEGATIVE_NUMBER);
            o.optNum("rms_norm_eps", r.nextDouble() * 1e-4, 1e-6, Kind.NON_NEGATIVE_NUMBER);
            o.token("pad_token_id", OptionalInt.empty());
            o.token("bos_token_id", OptionalInt.empty());
            o.tokens("eos_token_id", List.of());
            o.optBool("tie_word_embeddings", false);
            rope(o);
            boolean sliding = o.optBool("use_sliding_window", false);
            OptionalInt window = switch (r.nextInt(4)) {
                case 0 -> OptionalInt.of(4096);
                case 1 -> {
                    o.json.putNull("sliding_window");
                    yield OptionalInt.empty();
                }
                default -> OptionalInt.of(o.put("sliding_window", between(1, 131072), Kind.POSITIVE_INT));
            };
            o.exp.put("sliding_window", window);
            int maxWindowLayers = o.optInt("max_window_layers", between(0, layers + 2), 28, Kind.NON_NEGATIVE_INT);
            List<String> types = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                types.add(sliding && window.isPresent() && i >= maxWindowLayers ? "sliding_attention" : "full_attention");
            }
            o.exp.put("layer_types", types);
            o.optNum("attention_dropout", r.nextDouble(), 0.0, Kind.FRACTION);
            o.dtype();
            o.extras();
        }

        private void internlm2(Obj o) {
            o.str("model_type", InternLM2Config.MODEL_TYPE);
            // head_dim is always hidden_size / heads: no head_dim key
            int kv = between(1, 8);
            int heads = kv * between(1, 6);
            int headDim = 2 * between(1, 64);
            int hidden = o.put("hidden_size", heads * headDim, Kind.POSITIVE_INT);
            o.put("num_attention_heads", heads, Kind.POSITIVE_INT);
            o.mutate("num_attention_heads", IntNode.valueOf(hidden + 1));
            if (r.nextInt(4) == 0) {
                o.exp.put("num_key_value_heads", heads);
            } else {
                o.put("num_key_value_heads", kv, Kind.POSITIVE_INT);
                o.mutate("num_key_value_heads", IntNode.valueOf(heads + 1));
            }
            o.exp.put("head_dim", headDim);
            o.optInt("vocab_size", between(1, 300_000), 103168, Kind.POSITIVE_INT);
            o.optInt("intermediate_size", between(1, 20_000), 11008, Kind.POSITIVE_INT);
            o.optInt("num_hidden_layers", between(1, 40), 32, Kind.POSITIVE_INT);
            o.optStr("hidden_act", "silu", "silu");
            o.optInt("max_position_embeddings", between(1, 200_000), 2048, Kind.POSITIVE_INT);
            o.optNum("initializer_range", r.nextDouble() * 0.1, 0.02, Kind.NON_NEGATIVE_NUMBER);
            o.optNum("rms_norm_eps", r.nextDouble() * 1e-4, 1e-6, Kind.NON_NEGATIVE_NUMBER);
            o.token("pad_token_id", OptionalInt.of(0));
            o.token("bos_token_id", OptionalInt.of(1));
            o.tokens("eos_token_id", List.of(2));
            o.optBool("tie_word_embeddings", false);
            o.optBool("bias", true);
            // InternLM2's rope_scaling: {type: linear|dynamic, factor >= 1}, nothing else
            Optional<Object> scaling = Optional.empty();
            switch (r.nextInt(3)) {
                case 0 -> o.exp.put("rope_theta", 10000.0);
                case 1 -> {
                    o.put("rope_theta", 1 + r.nextDouble() * 1e6, Kind.POSITIVE_NUMBER);
                    o.json.putNull("rope_scaling");
                }
                default -> {
                    o.put("rope_theta", 1 + r.nextDouble() * 1e6, Kind.POSITIVE_NUMBER);
                    Obj s = o.child("rope_scaling");
                    String type = pick(InternLM2Config.ROPE_TYPES);
                    s.str("type", type);
                    s.mutate("type", TextNode.valueOf("yarn"));
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("rope_type", type);
                    m.put("factor", OptionalDouble.of(s.put("factor", 1 + r.nextDouble() * 7, Kind.POSITIVE_NUMBER)));
                    s.mutate("factor", DoubleNode.valueOf(0.5));
                    m.put("low_freq_factor", OptionalDouble.empty());
                    m.put("high_freq_factor", OptionalDouble.empty());
                    m.put("original_max_position_embeddings", OptionalInt.empty());
                    m.put("extra", Map.of());
                    scaling = Optional.of(m);
                }
            }
            o.exp.remove("rope_scaling");
            o.exp.put("rope_scaling", scaling);
            o.exp.put("attention_dropout", 0.0);
            o.dtype();
            o.extras();
        }

        /** hidden_size, heads, kv heads and head_dim, consistent. */
        private void shape(Obj o, boolean kvHeadsFollowHeads) {
            int kv = between(1, 8);
            int heads = kv * between(1, 6);
            int headDim = 2 * between(1, 64);
            boolean explicitHeadDim = r.nextInt(3) == 0;
            int hidden = explicitHeadDim ? between(1, 8192) : heads * headDim;
            o.put("hidden_size", hidden, Kind.POSITIVE_INT);
            o.put("num_attention_heads", heads, Kind.POSITIVE_INT);
            if (kvHeadsFollowHeads && r.nextInt(4) == 0) {
                o.exp.put("num_key_value_heads", heads);
            } else {
                o.put("num_key_value_heads", kv, Kind.POSITIVE_INT);
                o.mutate("num_key_value_heads", IntNode.valueOf(heads + 1));
            }
            if (explicitHeadDim) {
                o.put("head_dim", headDim, Kind.POSITIVE_INT);
            } else {
                o.exp.put("head_dim", headDim);
                o.mutate("num_attention_heads", IntNode.valueOf(hidden + 1));
            }
        }

        private void rope(Obj o) {
            Optional<Object> scaling = Optional.empty();
            double theta = 1 + r.nextDouble() * 1e6;
            switch (r.nextInt(5)) {
                case 0 -> o.exp.put("rope_theta", 10000.0);
                case 1 -> {
                    o.put("rope_theta", theta, Kind.POSITIVE_NUMBER);
                    o.json.putNull("rope_scaling");
                }
                case 2 -> {
                    o.put("rope_theta", theta, Kind.POSITIVE_NUMBER);
                    Obj s = o.child("rope_scaling");
                    s.str("rope_type", "llama3");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("rope_type", "llama3");
                    m.put("factor", OptionalDouble.of(s.put("factor", 1 + r.nextDouble() * 63, Kind.POSITIVE_NUMBER)));
                    m.put("low_freq_factor", OptionalDouble.of(s.put("low_freq_factor", 0.5 + r.nextDouble(), Kind.POSITIVE_NUMBER)));
                    m.put("high_freq_factor", OptionalDouble.of(s.put("high_freq_factor", 2 + r.nextDouble() * 4, Kind.POSITIVE_NUMBER)));
                    m.put("original_max_position_embeddings", OptionalInt.of(
                            s.put("original_max_position_embeddings", between(1, 16384), Kind.POSITIVE_INT)));
                    s.extras();
                    m.put("extra", s.exp.get("extra"));
                    scaling = Optional.of(m);
                }
                case 3 -> {
                    o.put("rope_theta", theta, Kind.POSITIVE_NUMBER);
                    Obj s = o.child("rope_scaling");
                    s.str("type", "linear");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("rope_type", "linear");
                    m.put("factor", OptionalDouble.of(s.put("factor", 1 + r.nextDouble() * 7, Kind.POSITIVE_NUMBER)));
                    m.put("low_freq_factor", OptionalDouble.empty());
                    m.put("high_freq_factor", OptionalDouble.empty());
                    m.put("original_max_position_embeddings", OptionalInt.empty());
                    m.put("extra", Map.of());
                    scaling = Optional.of(m);
                }
                default -> {
                    // transformers 5 layout: theta inside rope_parameters.
                    Obj p = o.child("rope_parameters");
                    p.put("rope_theta", theta, Kind.POSITIVE_NUMBER);
                    p.str("rope_type", "default");
                    o.exp.put("rope_theta", theta);
                }
            }
            o.exp.remove("rope_scaling");
            o.exp.remove("rope_parameters");
            o.exp.put("rope_scaling", scaling);
        }

        // -- vision

        /** A tower whose patch grid side is a multiple of gridMultiple. */
        private int siglip(Obj o, String modelType, int gridMultiple) {
            o.str("model_type", modelType);
            return towerShape(o, gridMultiple, 12, "gelu_pytorch_tanh", 1e-6, 3072);
        }

        private int clip(Obj o, boolean modelTypeRequired) {
            if (modelTypeRequired || r.nextBoolean()) {
                o.str("model_type", ClipVisionConfig.MODEL_TYPE);
            }
            o.exp.put("model_type", ClipVisionConfig.MODEL_TYPE);
            o.optInt("projection_dim", between(1, 2048), 512, Kind.POSITIVE_INT);
            return towerShape(o, 1, 12, "quick_gelu", 1e-5, 3072);
        }

        /** Returns num_hidden_layers. */
        private int towerShape(Obj o, int gridMultiple, int defaultLayers, String act, double eps, int intermediate) {
            int heads = between(1, 16);
            int hidden = heads * between(1, 96);
            o.put("hidden_size", hidden, Kind.POSITIVE_INT);
            o.put("num_attention_heads", heads, Kind.POSITIVE_INT);
            o.mutate("num_attention_heads", IntNode.valueOf(hidden + 1));
            o.optInt("intermediate_size", between(1, 8192), intermediate, Kind.POSITIVE_INT);
            int layers = o.optInt("num_hidden_layers", between(1, 30), defaultLayers, Kind.POSITIVE_INT);
            o.optInt("num_channels", between(1, 4), 3, Kind.POSITIVE_INT);
            int patch = between(1, 32);
            int side = gridMultiple * between(1, 64 / gridMultiple);
            o.put("patch_size", patch, Kind.POSITIVE_INT);
            o.put("image_size", patch * side + r.nextInt(patch), Kind.POSITIVE_INT);
            if (patch > 1) {
                o.mutate("image_size", IntNode.valueOf(patch - 1));
            }
            o.optStr("hidden_act", pick(List.of(act, "gelu")), act);
            o.optNum("layer_norm_eps", r.nextDouble() * 1e-4, eps, Kind.NON_NEGATIVE_NUMBER);
            o.optNum("attention_dropout", r.nextDouble(), 0.0, Kind.FRACTION);
            o.dtype();
            o.extras();
            return layers;
        }

        // -- composites

        private void idefics3(Obj o) {
            o.str("model_type", Idefics3Config.MODEL_TYPE);
            int scale = between(1, 4);
            llama(o.child("text_config"), false);
            Obj vision = o.child("vision_config");
            if (r.nextBoolean()) {
                siglip(vision, SiglipVisionConfig.IDEFICS3_VISION_MODEL_TYPE, scale);
            } else {
                vision.exp.put("model_type", SiglipVisionConfig.IDEFICS3_VISION_MODEL_TYPE);
                towerShape(vision, scale, 12, "gelu_pytorch_tanh", 1e-6, 3072);
            }
            if (scale == 2 && r.nextBoolean()) {
                o.exp.put("scale_factor", 2);
            } else {
                o.put("scale_factor", scale, Kind.POSITIVE_INT);
            }
            int side = (int) vision.exp.get("image_size") / (int) vision.exp.get("patch_size");
            o.mutate("scale_factor", IntNode.valueOf(side + 1));
            o.optInt("image_token_id", between(0, 200_000), 128257, Kind.ANY_INT);
            o.optBool("tie_word_embeddings", false);
            o.token("pad_token_id", OptionalInt.of(128002));
            o.dtype();
            o.extras();
        }

        private void llava(Obj o) {
            o.str("model_type", LlavaConfig.MODEL_TYPE);
            Obj text = o.child("text_config");
            if (r.nextBoolean()) {
                llama(text, false);
            } else {
                qwen2(text);
            }
            Obj vision = o.child("vision_config");
            int layers = r.nextBoolean() ? clip(vision, false) : siglip(vision, SiglipVisionConfig.MODEL_TYPE, 1);
            o.optInt("image_token_index", between(0, 200_000), 32000, Kind.ANY_INT);
            o.optStr("projector_hidden_act", pick(List.of("gelu", "silu")), "gelu");
            int states = layers + 1;
            if (r.nextInt(4) == 0) {
                o.exp.put("vision_feature_layer", List.of(-2));
            } else if (r.nextBoolean()) {
                int layer = between(-states, states - 1);
                o.put("vision_feature_layer", layer, Kind.ANY_INT);
                o.exp.put("vision_feature_layer", List.of(layer));
                o.mutate("vision_feature_layer", IntNode.valueOf(states + r.nextInt(5)));
            } else {
                ArrayNode list = o.json.putArray("vision_feature_layer");
                List<Integer> layersUsed = new ArrayList<>();
                for (int i = 0, n = between(2, 4); i < n; i++) {
                    int layer = between(-states, states - 1);
                    list.add(layer);
                    layersUsed.add(layer);
                    o.site("vision_feature_layer[" + i + "]", o.ptr.append(JsonPointer.compile("/vision_feature_layer")),
                            null, i, Kind.ANY_INT, IntNode.valueOf(layer));
                }
                int bad = r.nextInt(layersUsed.size());
                mutations.add(new Mutation("vision_feature_layer[" + bad + "]",
                        JsonPointer.compile("/vision_feature_layer"), null, bad, IntNode.valueOf(-states - 1)));
                o.exp.put("vision_feature_layer", layersUsed);
            }
            o.optStr("vision_feature_select_strategy", pick(List.of("default", "full")), "default");
            o.optInt("image_seq_length", between(1, 3000), 576, Kind.POSITIVE_INT);
            o.optBool("multimodal_projector_bias", true);
            boolean tie = o.optBool("tie_word_embeddings", false);
            @SuppressWarnings("unchecked")
            boolean textTies = (boolean) ((Map<String, Object>) o.exp.get("text_config")).get("tie_word_embeddings");
            o.exp.put("tie_word_embeddings", tie || textTies);
            o.dtype();
            o.extras();
        }

        /** An InternViT tower whose patch grid side is a multiple of gridMultiple; returns its layers. */
        private int internVit(Obj o, int gridMultiple) {
            if (r.nextBoolean()) {
                o.str("model_type", InternVisionConfig.MODEL_TYPE);
            }
            o.exp.put("model_type", InternVisionConfig.MODEL_TYPE);
            int layers = towerShape(o, gridMultiple, 48, "gelu", 1e-6, 12800);
            o.optStr("norm_type", pick(List.of("layer_norm", "rms_norm")), "rms_norm");
            o.mutate("norm_type", TextNode.valueOf("batch_norm"));
            o.optBool("qkv_bias", false);
            o.optBool("qk_normalization", true);
            o.optNum("dropout", r.nextDouble(), 0.0, Kind.FRACTION);
            o.optNum("drop_path_rate", r.nextDouble(), 0.0, Kind.FRACTION);
            o.optNum("initializer_range", r.nextDouble() * 0.1, 0.02, Kind.NON_NEGATIVE_NUMBER);
            o.optNum("initializer_factor", r.nextDouble() * 2 - 1, 0.1, Kind.ANY_NUMBER);
            return layers;
        }

        private void internvl(Obj o) {
            o.str("model_type", InternVLChatConfig.MODEL_TYPE);
            int shrink = between(1, 3);
            int layers = internVit(o.child("vision_config"), shrink);
            Obj llm = o.child("llm_config");
            int decoder = r.nextInt(3);
            llm.json.putArray("architectures").add(List.of("Qwen2ForCausalLM", "LlamaForCausalLM",
                    "InternLM2ForCausalLM").get(decoder));
            mutations.add(new Mutation("llm_config.architectures", llm.ptr, "architectures", -1,
                    NODES.arrayNode().add("Phi3ForCausalLM")));
            mutations.add(new Mutation("llm_config.architectures", llm.ptr, "architectures", -1, null));
            switch (decoder) {
                case 0 -> qwen2(llm);
                case 1 -> llama(llm, false);
                default -> internlm2(llm);
            }
            int states = layers + 1;
            o.optInt("select_layer", between(-states, states - 1), -1, Kind.ANY_INT);
            o.mutate("select_layer", IntNode.valueOf(states + r.nextInt(5)));
            if (shrink == 2 && r.nextBoolean()) {
                o.exp.put("downsample_ratio", 0.5);
            } else {
                o.put("downsample_ratio", 1.0 / shrink, Kind.POSITIVE_NUMBER);
            }
            o.mutate("downsample_ratio", DoubleNode.valueOf(0.3));
            o.optStr("ps_version", pick(List.of("v1", "v2")), "v1");
            o.mutate("ps_version", TextNode.valueOf("v3"));
            switch (r.nextInt(3)) {
                case 0 -> o.exp.put("force_image_size", OptionalInt.empty());
                case 1 -> {
                    o.json.putNull("force_image_size");
                    o.exp.put("force_image_size", OptionalInt.empty());
                }
                default -> {
                    int patch = (int) ((Map<?, ?>) o.exp.get("vision_config")).get("patch_size");
                    int size = o.put("force_image_size", patch * shrink * between(1, 8), Kind.POSITIVE_INT);
                    o.exp.put("force_image_size", OptionalInt.of(size));
                }
            }
            if (r.nextBoolean()) {
                o.str("template", pick(List.of("internlm2-chat", "Hermes-2", "phi3-chat")));
                o.exp.put("template", Optional.of(o.exp.get("template")));
            } else {
                o.exp.put("template", Optional.empty());
            }
            o.optBool("dynamic_image_size", false);
            o.optBool("use_thumbnail", false);
            o.optInt("min_dynamic_patch", between(1, 3), 1, Kind.POSITIVE_INT);
            int max = o.optInt("max_dynamic_patch", between(3, 40), 6, Kind.POSITIVE_INT);
            o.mutate("min_dynamic_patch", IntNode.valueOf(max + 1));
            o.exp.put("tie_word_embeddings", false);
            o.exp.put("img_context_token_id", OptionalInt.empty());
            o.dtype();
            o.extras();
        }

        /** One JSON object being written, and what reading it must give. */
        private final class Obj {
            final String prefix;
            final JsonPointer ptr;
            final ObjectNode json = NODES.objectNode();
            final Map<String, Object> exp = new LinkedHashMap<>();

            Obj(String prefix, JsonPointer ptr) {
                this.prefix = prefix;
                this.ptr = ptr;
            }

            Obj child(String key) {
                Obj c = new Obj(prefix + key + ".", ptr.append(JsonPointer.compile("/" + key)));
                json.set(key, c.json);
                exp.put(key, c.exp);
                return c;
            }

            int put(String key, int v, Kind kind) {
                json.put(key, v);
                exp.put(key, v);
                site(prefix + key, ptr, key, -1, kind, IntNode.valueOf(v));
                return v;
            }

            double put(String key, double v, Kind kind) {
                json.put(key, v);
                exp.put(key, v);
                site(prefix + key, ptr, key, -1, kind, DoubleNode.valueOf(v));
                return v;
            }

            void str(String key, String v) {
                json.put(key, v);
                exp.put(key, v);
                site(prefix + key, ptr, key, -1, Kind.STRING, TextNode.valueOf(v));
            }

            int optInt(String key, int v, int fallback, Kind kind) {
                if (r.nextInt(4) == 0) {
                    exp.put(key, fallback);
                    return fallback;
                }
                return put(key, v, kind);
            }

            double optNum(String key, double v, double fallback, Kind kind) {
                if (r.nextInt(4) == 0) {
                    exp.put(key, fallback);
                    return fallback;
                }
                return put(key, v, kind);
            }

            boolean optBool(String key, boolean fallback) {
                if (r.nextInt(4) == 0) {
                    exp.put(key, fallback);
                    return fallback;
                }
                boolean v = r.nextBoolean();
                json.put(key, v);
                exp.put(key, v);
                site(prefix + key, ptr, key, -1, Kind.BOOL, BooleanNode.valueOf(v));
                return v;
            }

            void optStr(String key, String v, String fallback) {
                if (r.nextInt(4) == 0) {
                    exp.put(key, fallback);
                } else {
                    str(key, v);
                }
            }

            /** A token id: absent (fallback), null (none) or a value. */
            void token(String key, OptionalInt fallback) {
                switch (r.nextInt(3)) {
                    case 0 -> exp.put(key, fallback);
                    case 1 -> {
                        json.putNull(key);
                        exp.put(key, OptionalInt.empty());
                    }
                    default -> {
                        put(key, between(0, 200_000), Kind.ANY_INT);
                        exp.put(key, OptionalInt.of((int) exp.get(key)));
                    }
                }
            }

            /** An int-or-list token id field. */
            void tokens(String key, List<Integer> fallback) {
                switch (r.nextInt(4)) {
                    case 0 -> exp.put(key, fallback);
                    case 1 -> {
                        json.putNull(key);
                        exp.put(key, List.of());
                    }
                    case 2 -> {
                        put(key, between(0, 200_000), Kind.ANY_INT);
                        exp.put(key, List.of((int) exp.get(key)));
                    }
                    default -> {
                        ArrayNode list = json.putArray(key);
                        List<Integer> ids = new ArrayList<>();
                        for (int i = 0, n = between(0, 4); i < n; i++) {
                            int id = between(0, 200_000);
                            list.add(id);
                            ids.add(id);
                            site(prefix + key + "[" + i + "]", ptr.append(JsonPointer.compile("/" + key)), null, i,
                                    Kind.ANY_INT, IntNode.valueOf(id));
                        }
                        exp.put(key, ids);
                    }
                }
            }

            void dtype() {
                if (r.nextInt(3) == 0) {
                    exp.put("torch_dtype", Optional.empty());
                    return;
                }
                String dtype = pick(List.of("bfloat16", "float16", "float32"));
                str(r.nextBoolean() ? "torch_dtype" : "dtype", dtype);
                exp.remove("dtype");
                exp.put("torch_dtype", Optional.of(dtype));
            }

            /** Unknown keys of every JSON type, which must come back verbatim. */
            void extras() {
                Map<String, JsonNode> extra = new LinkedHashMap<>();
                for (int i = 0, n = r.nextInt(4); i < n; i++) {
                    String key = "x_" + r.nextInt(1_000_000);
                    JsonNode value = switch (r.nextInt(6)) {
                        case 0 -> IntNode.valueOf(r.nextInt());
                        case 1 -> TextNode.valueOf("v" + r.nextInt(100));
                        case 2 -> BooleanNode.valueOf(r.nextBoolean());
                        case 3 -> NODES.arrayNode().add(r.nextInt(10)).add("s");
                        case 4 -> NODES.objectNode().put("nested", r.nextDouble());
                        default -> NODES.nullNode();
                    };
                    json.set(key, value);
                    extra.put(key, value);
                }
                exp.put("extra", extra);
            }

            /** A structural violation at prefix + key, e.g. a head count that does not divide. */
            void mutate(String key, JsonNode bad) {
                mutations.add(new Mutation(prefix + key, ptr, key, -1, bad));
            }

            /** A written value: wrong JSON types always, impossible values where its kind has them. */
            void site(String path, JsonPointer parent, String key, int index, Kind kind, JsonNode value) {
                JsonNode wrongType = switch (kind) {
                    case POSITIVE_INT, NON_NEGATIVE_INT, ANY_INT -> r.nextBoolean()
                            ? TextNode.valueOf(value.asText()) : DoubleNode.valueOf(value.asDouble() + 0.5);
                    case POSITIVE_NUMBER, NON_NEGATIVE_NUMBER, FRACTION, ANY_NUMBER -> TextNode.valueOf(value.asText());
                    case BOOL -> r.nextBoolean() ? IntNode.valueOf(1) : TextNode.valueOf("true");
                    case STRING -> r.nextBoolean() ? IntNode.valueOf(7) : BooleanNode.TRUE;
                };
                mutations.add(new Mutation(path, parent, key, index, wrongType));
                JsonNode impossible = switch (kind) {
                    case POSITIVE_INT -> IntNode.valueOf(-r.nextInt(1000));
                    case NON_NEGATIVE_INT -> IntNode.valueOf(-1 - r.nextInt(1000));
                    case POSITIVE_NUMBER -> DoubleNode.valueOf(-r.nextDouble() * 10);
                    case NON_NEGATIVE_NUMBER -> DoubleNode.valueOf(-1e-9 - r.nextDouble());
                    case FRACTION -> DoubleNode.valueOf(r.nextBoolean() ? 1.01 + r.nextDouble() : -0.01 - r.nextDouble());
                    default -> null;
                };
                if (impossible != null) {
                    mutations.add(new Mutation(path, parent, key, index, impossible));
                }
            }
        }
    }
}
