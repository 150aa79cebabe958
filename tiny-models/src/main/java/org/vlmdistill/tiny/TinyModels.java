package org.vlmdistill.tiny;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tiny SmolVLM-shaped (idefics3) model directory with random weights and every file a real one has:
 * config.json, model.safetensors, preprocessor_config.json, generation_config.json, and a word-level
 * tokenizer.json with the Idefics3 image tokens plus a chat template in tokenizer_config.json; and a
 * tiny text-only InternLM2 ({@link #internlm2}); and tiny InternVL2-shaped ({@code internvl_chat}) directories
 * ({@link #internvl}) with an InternLM2 or a Qwen2 decoder.
 */
public final class TinyModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final List<String> SPECIAL = List.of("<unk>", "<|im_start|>", "<end_of_utterance>", "<image>",
            "<fake_token_around_image>", "<global-img>", "<row_1_col_1>", "<row_1_col_2>", "<row_2_col_1>",
            "<row_2_col_2>");
    public static final List<String> WORDS = List.of("User", "Assistant", ":", "what", "color", "is", "the", "shape",
            "?", "red", "green", "blue", "circle", "square", "a", "yes", "no");
    public static final int IMAGE_TOKEN_ID = SPECIAL.indexOf("<image>");
    public static final int EOS_ID = SPECIAL.indexOf("<end_of_utterance>");

    private TinyModels() {
    }

    public static int vocabSize() {
        return SPECIAL.size() + WORDS.size();
    }

    /**
     * What a tiny model varies in, so that a teacher and a student can differ where real pairs do: text
     * width and depth, a config {@code vocab_size} padded above the tokenizer ({@code vocabPadding} extra
     * rows), and the vision side's image-token count per image (tower {@code imageSize}, {@code patchSize}, {@code scaleFactor},
     * processor {@code longestEdge}; tiles are {@code imageSize} pixels). {@code words} is the tokenizer's
     * word list after the specials: models that should share a tokenizer take the same list.
     */
    public record Spec(int textHidden, int textLayers, int vocabPadding, int imageSize, int scaleFactor,
                       int longestEdge, List<String> words, int visionHidden, int visionLayers,
                       int patchSize) {
        public Spec {
            words = List.copyOf(words);
            // The config checks that scale_factor divides the patch grid; here only what no config can mean.
            if (patchSize < 1) {
                throw new IllegalArgumentException("patch size must be positive, got " + patchSize);
            }
        }

        /**
         * The model {@link #idefics3(Path, long)} writes: text 32 wide, 2 layers, a vision tower 32 wide with
         * 2 layers, 20 image tokens for a 64x64 image.
         */
        public static Spec defaults() {
            return new Spec(32, 2, 0, 32, 2, 64, WORDS, 32, 2, 8);
        }

        public Spec withText(int hidden, int layers) {
            return new Spec(hidden, layers, vocabPadding, imageSize, scaleFactor, longestEdge, words, visionHidden,
                    visionLayers, patchSize);
        }

        public Spec withVocabPadding(int rows) {
            return new Spec(textHidden, textLayers, rows, imageSize, scaleFactor, longestEdge, words, visionHidden,
                    visionLayers, patchSize);
        }

        public Spec withVision(int tileSize, int scale, int processorLongestEdge) {
            return new Spec(textHidden, textLayers, vocabPadding, tileSize, scale, processorLongestEdge, words,
                    visionHidden, visionLayers, patchSize);
        }

        /** The vision tower's width and depth (4 heads, MLP twice as wide). */
        public Spec withVisionTower(int hidden, int layers) {
            return new Spec(textHidden, textLayers, vocabPadding, imageSize, scaleFactor, longestEdge, words, hidden,
                    layers, patchSize);
        }

        public Spec withWords(List<String> w) {
            return new Spec(textHidden, textLayers, vocabPadding, imageSize, scaleFactor, longestEdge, w, visionHidden,
                    visionLayers, patchSize);
        }

        /**
         * The tower's patch side in pixels ({@code patch_size}); (tile / patch)^2 / scale^2 image tokens per tile.
         * A patch that covers exactly one Shapes grid cell puts a shape's outline and colour in one token.
         */
        public Spec withPatchSize(int pixels) {
            return new Spec(textHidden, textLayers, vocabPadding, imageSize, scaleFactor, longestEdge, words,
                    visionHidden, visionLayers, pixels);
        }

        /** Ids the tokenizer defines: the specials, then the words. */
        public int tokenizerSize() {
            return SPECIAL.size() + words.size();
        }

        /** config.json's {@code vocab_size}: the tokenizer's size plus the padding. */
        public int configVocabSize() {
            return tokenizerSize() + vocabPadding;
        }
    }

    /**
     * The template's words ({@code User}, {@code Assistant}, {@code :}), then those of {@code words} not
     * among them, in order: a {@link Spec#withWords} list for records whose words are {@code words} (for
     * the Shapes set, {@code ShapesVocabulary.words()}).
     */
    public static List<String> vocabulary(List<String> words) {
        List<String> all = new ArrayList<>(List.of("User", "Assistant", ":"));
        words.stream().filter(w -> !all.contains(w)).forEach(all::add);
        return all;
    }

    /** Writes the directory with weights drawn from {@code seed}. */
    public static Path idefics3(Path dir, long seed) throws IOException {
        return idefics3(dir, seed, Spec.defaults());
    }

    /** Writes a directory of {@code spec}'s shape with weights drawn from {@code seed}. */
    public static Path idefics3(Path dir, long seed, Spec spec) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("Idefics3ForConditionalGeneration");
        config.put("model_type", "idefics3");
        config.put("image_token_id", IMAGE_TOKEN_ID);
        config.put("scale_factor", spec.scaleFactor());
        config.put("tie_word_embeddings", false);
        ObjectNode text = config.putObject("text_config");
        text.put("model_type", "llama");
        text.put("vocab_size", spec.configVocabSize());
        text.put("hidden_size", spec.textHidden());
        text.put("intermediate_size", 2 * spec.textHidden());
        text.put("num_hidden_layers", spec.textLayers());
        text.put("num_attention_heads", 4);
        text.put("num_key_value_heads", 2);
        text.put("bos_token_id", 1);
        text.put("eos_token_id", EOS_ID);
        text.put("pad_token_id", 0);
        ObjectNode vision = config.putObject("vision_config");
        vision.put("model_type", "idefics3_vision");
        vision.put("hidden_size", spec.visionHidden());
        vision.put("intermediate_size", 2 * spec.visionHidden());
        vision.put("num_hidden_layers", spec.visionLayers());
        vision.put("num_attention_heads", 4);
        vision.put("image_size", spec.imageSize());
        vision.put("patch_size", spec.patchSize());
        ObjectNode pre = JSON.createObjectNode();
        pre.put("image_processor_type", "Idefics3ImageProcessor");
        pre.put("do_image_splitting", true);
        pre.put("resample", 1);
        pre.putObject("size").put("longest_edge", spec.longestEdge());
        pre.putObject("max_image_size").put("longest_edge", spec.imageSize());
        pre.putArray("image_mean").add(0.5).add(0.5).add(0.5);
        pre.putArray("image_std").add(0.5).add(0.5).add(0.5);
        try (Model m = Models.random(ModelDirectory.of(config, pre), ComputePolicy.of(Map.of("dtype", "fp32")), seed)) {
            ModelWriter.save(m, dir);
        }
        Files.writeString(dir.resolve("preprocessor_config.json"), pre.toPrettyString());
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": " + EOS_ID + ", \"pad_token_id\": 0}\n");
        writeTokenizer(dir, spec.words());
        return dir;
    }

    /**
     * A tiny text-only {@code LlamaForCausalLM} directory (model_type llama): {@code hidden} wide, {@code layers}
     * deep, 4 attention heads over 2 kv heads, SwiGLU MLP twice as wide, untied lm_head, RoPE theta 10000,
     * weights drawn from {@code seed}; the word-level tokenizer over {@code words} and the chat template of
     * {@link #writeTokenizer(Path, List)}, so that models written with the same words share a tokenizer.
     * {@code hidden} must be a multiple of 8 (an even head size for RoPE).
     */
    public static Path llama(Path dir, long seed, int hidden, int layers, List<String> words) throws IOException {
        if (hidden < 8 || hidden % 8 != 0 || layers < 1) {
            throw new IllegalArgumentException("llama: hidden must be a positive multiple of 8 and layers positive, got "
                    + hidden + " and " + layers);
        }
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama");
        config.put("vocab_size", SPECIAL.size() + words.size());
        config.put("hidden_size", hidden);
        config.put("intermediate_size", 2 * hidden);
        config.put("num_hidden_layers", layers);
        config.put("num_attention_heads", 4);
        config.put("num_key_value_heads", 2);
        config.put("hidden_act", "silu");
        config.put("max_position_embeddings", 256);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        return writeCausalLm(dir, config, seed, words);
    }

    /**
     * A tiny text-only {@code InternLM2ForCausalLM} directory (model_type internlm2: {@code model.tok_embeddings},
     * packed {@code attention.wqkv}, {@code feed_forward.w1/w3/w2}, {@code output.weight}) with InternVL2's
     * rope settings (theta 1e6, dynamic NTK x2) and a short {@code max_position_embeddings} (64) so that
     * the dynamic scaling can be reached; hidden 32, 2 layers, 4 heads over 2 kv heads, no bias as in
     * InternVL2's decoders. The tokenizer is this class's word-level one (real InternLM2 directories ship a
     * SentencePiece tokenizer.model instead).
     */
    public static Path internlm2(Path dir, long seed) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("InternLM2ForCausalLM");
        config.put("model_type", "internlm2");
        config.put("vocab_size", vocabSize());
        config.put("hidden_size", 32);
        config.put("intermediate_size", 64);
        config.put("num_hidden_layers", 2);
        config.put("num_attention_heads", 4);
        config.put("num_key_value_heads", 2);
        config.put("hidden_act", "silu");
        config.put("max_position_embeddings", 64);
        config.put("rms_norm_eps", 1e-5);
        config.put("bias", false);
        config.put("rope_theta", 1000000.0);
        config.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
        return writeCausalLm(dir, config, seed, WORDS);
    }

    /**
     * A text-only causal LM directory from {@code config}: untied head and this class's special ids added,
     * fp32 weights drawn from {@code seed}, generation_config.json, and the word-level tokenizer over
     * {@code words}.
     */
    private static Path writeCausalLm(Path dir, ObjectNode config, long seed, List<String> words) throws IOException {
        config.put("tie_word_embeddings", false);
        config.put("bos_token_id", 1);
        config.put("eos_token_id", EOS_ID);
        config.put("pad_token_id", 0);
        try (Model m = Models.random(ModelDirectory.of(config, null), ComputePolicy.of(Map.of("dtype", "fp32")),
                seed)) {
            ModelWriter.save(m, dir);
        }
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": " + EOS_ID + ", \"pad_token_id\": 0}\n");
        writeTokenizer(dir, words);
        return dir;
    }

    /**
     * What a tiny InternVL2 model varies in: the decoder ({@code llm_config.architectures[0]}:
     * {@link #INTERNLM2} with InternVL2's SentencePiece tokenizer and the internlm2-chat template, or
     * {@link #QWEN2} with a word-level tokenizer.json and the Hermes-2 template, as InternVL2-1B), its width
     * and depth, the InternViT tower's width and depth, the tile size ({@code force_image_size}; patch 14 and
     * pixel shuffle 0.5 give (tile / 28)^2 image tokens per tile) and {@code max_dynamic_patch}.
     */
    public record InternVLSpec(String llmArchitecture, int textHidden, int textLayers, int visionHidden,
                               int visionLayers, int tileSize, int maxTiles) {
        public static final String INTERNLM2 = "InternLM2ForCausalLM";
        public static final String QWEN2 = "Qwen2ForCausalLM";

        public InternVLSpec {
            if (!INTERNLM2.equals(llmArchitecture) && !QWEN2.equals(llmArchitecture)) {
                throw new IllegalArgumentException("tiny InternVL decoders: " + INTERNLM2 + " or " + QWEN2
                        + ", not " + llmArchitecture);
            }
            if (tileSize % (2 * INTERNVL_PATCH) != 0) {
                throw new IllegalArgumentException("tile size " + tileSize + " is not a multiple of 28 (patch 14, "
                        + "pixel shuffle 0.5)");
            }
        }

        /**
         * The student: InternLM2 32 wide with 2 layers, a 2-layer tower 32 wide, 56-pixel tiles (4 image
         * tokens per tile), at most 2 tiles plus the thumbnail.
         */
        public static InternVLSpec student() {
            return new InternVLSpec(INTERNLM2, 32, 2, 32, 2, 56, 2);
        }

        /**
         * The teacher: InternLM2 64 wide with 3 layers, a 3-layer tower 48 wide, 112-pixel tiles (16 image
         * tokens per tile), at most 4 tiles plus the thumbnail; the student's tokenizer (as InternVL2-8B and
         * -2B share theirs, 92553 ids).
         */
        public static InternVLSpec teacher() {
            return new InternVLSpec(INTERNLM2, 64, 3, 48, 3, 112, 4);
        }

        public InternVLSpec withDecoder(String architecture) {
            return new InternVLSpec(architecture, textHidden, textLayers, visionHidden, visionLayers, tileSize,
                    maxTiles);
        }

        /** {@code num_image_token}: (tile / patch)^2 * downsample_ratio^2. */
        public int imageTokensPerTile() {
            int side = tileSize / INTERNVL_PATCH / 2;
            return side * side;
        }
    }

    static final int INTERNVL_PATCH = 14;
    /** The ids {@code tokenizer.model} holds (InternLM2's 92544 in the real tokenizer). */
    public static final int INTERNLM2_PIECES = 2000;
    /**
     * InternVL2's tokenizer_config.json ids past InternLM2's pieces: {@code <img>} first ({@code 92544} in
     * InternVL2-2B/8B), 9 tokens in all, so that the vocabulary is pieces + 9 (92553 there, 2009 here).
     */
    public static final List<String> INTERNVL_ADDED = List.of("<img>", "</img>", "<IMG_CONTEXT>", "<quad>",
            "</quad>", "<ref>", "</ref>", "<box>", "</box>");
    /** The id of {@code <|im_end|>}: a renamed InternLM2 piece ([UNUSED_TOKEN_145], 92542 in the real one). */
    public static final int INTERNLM2_IM_END_ID = 7;
    /** Specials of the Qwen2 variant's word-level tokenizer: Qwen2's, then InternVL's added tokens. */
    public static final List<String> INTERNVL_QWEN2_SPECIAL = concat(
            List.of("<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"), INTERNVL_ADDED);

    /** The vocabulary of an {@link #internvl} directory with {@code spec}'s decoder (for Qwen2: over {@code words}). */
    public static int internvlVocabSize(InternVLSpec spec, List<String> words) {
        return spec.llmArchitecture().equals(InternVLSpec.INTERNLM2) ? INTERNLM2_PIECES + INTERNVL_ADDED.size()
                : INTERNVL_QWEN2_SPECIAL.size() + qwen2Words(words).size();
    }

    /**
     * A tiny InternVL2-shaped directory ({@code InternVLChatModel}, model_type internvl_chat) with weights drawn
     * from {@code seed}, as OpenGVLab publishes InternVL2: config.json with nested {@code vision_config}
     * (InternViT: patch 14, layer norm, qkv bias, layer scale) and {@code llm_config}, dynamic tiling with a
     * thumbnail, pixel shuffle v2 at 0.5, {@code select_layer} -1; model.safetensors under {@code vision_model.*},
     * {@code mlp1.{0,1,3}.*}, {@code language_model.model.*} and {@code language_model.output.weight} (InternLM2)
     * or {@code language_model.lm_head.weight} (Qwen2); preprocessor_config.json and generation_config.json as
     * the checkpoints ship them. InternLM2: a SentencePiece BPE {@code tokenizer.model} (2000 pieces, byte
     * fallback, trained by tools/sentencepiece_fixtures.py) with InternVL2's tokenizer_config.json (pieces 3-8
     * renamed to {@code <|plugin|>} ... {@code <|im_end|>}, {@code <|im_start|>}; {@code <img>} ...
     * {@code </box>} added at 2000-2008) and template "internlm2-chat"; no tokenizer.json. Qwen2: a word-level
     * tokenizer.json over {@code words} plus ChatML's {@code user}/{@code assistant}/{@code system}, with a ChatML
     * chat_template, and template "Hermes-2".
     */
    public static Path internvl(Path dir, long seed, InternVLSpec spec, List<String> words) throws IOException {
        boolean internlm2 = spec.llmArchitecture().equals(InternVLSpec.INTERNLM2);
        int vocab = internvlVocabSize(spec, words);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("InternVLChatModel");
        ObjectNode autoMap = config.putObject("auto_map");
        autoMap.put("AutoConfig", "configuration_internvl_chat.InternVLChatConfig");
        autoMap.put("AutoModel", "modeling_internvl_chat.InternVLChatModel");
        autoMap.put("AutoModelForCausalLM", "modeling_internvl_chat.InternVLChatModel");
        config.put("downsample_ratio", 0.5);
        config.put("dynamic_image_size", true);
        config.put("force_image_size", spec.tileSize());
        ObjectNode llm = config.putObject("llm_config");
        llm.putArray("architectures").add(spec.llmArchitecture());
        llm.put("hidden_act", "silu");
        llm.put("hidden_size", spec.textHidden());
        llm.put("intermediate_size", 2 * spec.textHidden());
        llm.put("num_attention_heads", 4);
        llm.put("num_hidden_layers", spec.textLayers());
        llm.put("num_key_value_heads", 2);
        llm.put("rope_theta", 1000000.0);
        llm.put("tie_word_embeddings", false);
        llm.put("vocab_size", vocab);
        if (internlm2) {
            // InternVL2-2B/8B's llm_config: no bias, dynamic NTK x2 past max_position_embeddings
            llm.put("model_type", "internlm2");
            llm.put("bias", false);
            llm.put("bos_token_id", 1);
            llm.put("eos_token_id", 2);
            llm.put("pad_token_id", 2);
            llm.put("max_position_embeddings", 256);
            llm.put("rms_norm_eps", 1e-5);
            llm.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
        } else {
            int endOfText = INTERNVL_QWEN2_SPECIAL.indexOf("<|endoftext|>");
            llm.put("model_type", "qwen2");
            llm.put("bos_token_id", endOfText);
            llm.put("eos_token_id", INTERNVL_QWEN2_SPECIAL.indexOf("<|im_end|>"));
            llm.put("max_position_embeddings", 32768);
            llm.put("rms_norm_eps", 1e-6);
            llm.putNull("rope_scaling");
            llm.put("use_sliding_window", false);
        }
        config.put("max_dynamic_patch", spec.maxTiles());
        config.put("min_dynamic_patch", 1);
        config.put("model_type", "internvl_chat");
        config.put("ps_version", "v2");
        config.put("select_layer", -1);
        config.put("template", internlm2 ? "internlm2-chat" : "Hermes-2");
        config.put("tie_word_embeddings", false);
        config.put("use_thumbnail", true);
        ObjectNode vision = config.putObject("vision_config");
        vision.putArray("architectures").add("InternVisionModel");
        vision.put("hidden_act", "gelu");
        vision.put("hidden_size", spec.visionHidden());
        vision.put("image_size", spec.tileSize());
        vision.put("intermediate_size", 2 * spec.visionHidden());
        vision.put("layer_norm_eps", 1e-6);
        vision.put("model_type", "intern_vit_6b");
        vision.put("norm_type", "layer_norm");
        vision.put("num_attention_heads", 4);
        vision.put("num_channels", 3);
        vision.put("num_hidden_layers", spec.visionLayers());
        vision.put("patch_size", INTERNVL_PATCH);
        vision.put("qk_normalization", false);
        vision.put("qkv_bias", true);

        // the tokenizer files first: ModelDirectory.open resolves <IMG_CONTEXT>'s id from them
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        String generation;
        if (internlm2) {
            copyResource("internlm2/tokenizer.model", dir.resolve("tokenizer.model"));
            copyResource("internlm2/tokenizer_config.json", dir.resolve("tokenizer_config.json"));
            // InternVL's chat() stops at the template's separator <|im_end|> as well as at </s>
            generation = "{\"bos_token_id\": 1, \"eos_token_id\": [2, " + INTERNLM2_IM_END_ID + "], \"pad_token_id\": 2}\n";
        } else {
            int imEnd = INTERNVL_QWEN2_SPECIAL.indexOf("<|im_end|>");
            int endOfText = INTERNVL_QWEN2_SPECIAL.indexOf("<|endoftext|>");
            writeWordLevel(dir, INTERNVL_QWEN2_SPECIAL, qwen2Words(words), "<|endoftext|>", "<|im_end|>",
                    "<|endoftext|>", "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
                            + "{{ message['content'] }}<|im_end|>\n{% endfor %}"
                            + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
            generation = "{\"bos_token_id\": " + endOfText + ", \"eos_token_id\": [" + imEnd + ", " + endOfText
                    + "], \"pad_token_id\": " + endOfText + "}\n";
        }
        // InternVL2 checkpoints ship a CLIP-style preprocessor_config.json (the model's own tiling reads
        // config.json; this file states the tile size, BICUBIC and ImageNet's mean and std)
        ObjectNode pre = JSON.createObjectNode();
        pre.put("crop_size", spec.tileSize());
        pre.put("do_center_crop", true);
        pre.put("do_normalize", true);
        pre.put("do_resize", true);
        pre.put("feature_extractor_type", "CLIPFeatureExtractor");
        pre.putArray("image_mean").add(0.485).add(0.456).add(0.406);
        pre.putArray("image_std").add(0.229).add(0.224).add(0.225);
        pre.put("resample", 3);
        pre.put("size", spec.tileSize());
        Files.writeString(dir.resolve("preprocessor_config.json"), pre.toPrettyString());
        Files.writeString(dir.resolve("generation_config.json"), generation);
        try (Model m = Models.random(ModelDirectory.open(dir), ComputePolicy.of(Map.of("dtype", "fp32")), seed)) {
            ModelWriter.save(m, dir);
        }
        return dir;
    }

    /** ChatML's role words, then {@code words} not among them. */
    private static List<String> qwen2Words(List<String> words) {
        List<String> all = new ArrayList<>(List.of("system", "user", "assistant"));
        words.stream().filter(w -> !all.contains(w)).forEach(all::add);
        return all;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = TinyModels.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("tiny-models resource " + name + " is missing from the class path");
            }
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * A WordLevel tokenizer.json (Whitespace pre-tokenizer, specials as added tokens, a decoder that puts
     * punctuation back against its word) and its config with a chat template.
     */
    public static void writeTokenizer(Path dir) throws IOException {
        writeTokenizer(dir, WORDS);
    }

    public static void writeTokenizer(Path dir, List<String> words) throws IOException {
        writeTokenizer(dir, List.of(), words);
    }

    /**
     * The word-level tokenizer over {@link #SPECIAL} (same ids), then {@code extraSpecials} as further added
     * tokens (say, the {@code <row_r_col_c>} markers of a larger tile grid), then {@code words}.
     */
    public static void writeTokenizer(Path dir, List<String> extraSpecials, List<String> words) throws IOException {
        writeWordLevel(dir, concat(SPECIAL, extraSpecials), words, "<|im_start|>", "<end_of_utterance>", "<unk>",
                "<|im_start|>{% for message in messages %}"
                + "{% if message['role'] == 'user' %}User:{% else %}Assistant:{% endif %}"
                + "{{ message['content'] }}<end_of_utterance>\n{% endfor %}"
                + "{% if add_generation_prompt %}Assistant:{% endif %}");
    }

    /** The word-level tokenizer.json over {@code specials} (ids first, {@code specials[0]} the unknown word) and {@code words}. */
    private static void writeWordLevel(Path dir, List<String> specials, List<String> words, String bos, String eos,
                                       String pad, String chatTemplate) throws IOException {
        ObjectNode tok = JSON.createObjectNode();
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        ArrayNode added = tok.putArray("added_tokens");
        for (int i = 0; i < specials.size(); i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", specials.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        tok.putNull("normalizer");
        tok.putObject("pre_tokenizer").put("type", "Whitespace");
        tok.putNull("post_processor");
        // WordPiece's decoder joins words with spaces and, with cleanup, drops the space before punctuation,
        // so "a red circle , a blue square ." decodes as "a red circle, a blue square." (as written)
        tok.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = tok.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        List<String> all = new ArrayList<>(specials);
        all.addAll(words);
        for (int i = 0; i < all.size(); i++) {
            vocab.put(all.get(i), i);
        }
        model.put("unk_token", specials.get(0));
        Files.writeString(dir.resolve("tokenizer.json"), tok.toPrettyString());
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("bos_token", bos);
        cfg.put("eos_token", eos);
        cfg.put("pad_token", pad);
        cfg.put("unk_token", specials.get(0));
        cfg.put("chat_template", chatTemplate);
        Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toPrettyString());
    }
}
