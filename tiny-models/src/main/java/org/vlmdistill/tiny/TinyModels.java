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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tiny SmolVLM-shaped (idefics3) model directory with random weights and every file a real one has:
 * config.json, model.safetensors, preprocessor_config.json, generation_config.json, and a word-level
 * tokenizer.json with the Idefics3 image tokens plus a chat template in tokenizer_config.json; and a
 * tiny text-only InternLM2 ({@link #internlm2}).
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
     * rows), and the vision side's image-token count per image (tower {@code imageSize}, {@code scaleFactor},
     * processor {@code longestEdge}; tiles are {@code imageSize} pixels). {@code words} is the tokenizer's
     * word list after the specials: models that should share a tokenizer take the same list.
     */
    public record Spec(int textHidden, int textLayers, int vocabPadding, int imageSize, int scaleFactor,
                       int longestEdge, List<String> words, int visionHidden, int visionLayers) {
        public Spec {
            words = List.copyOf(words);
        }

        /**
         * The model {@link #idefics3(Path, long)} writes: text 32 wide, 2 layers, a vision tower 32 wide with
         * 2 layers, 20 image tokens for a 64x64 image.
         */
        public static Spec defaults() {
            return new Spec(32, 2, 0, 32, 2, 64, WORDS, 32, 2);
        }

        public Spec withText(int hidden, int layers) {
            return new Spec(hidden, layers, vocabPadding, imageSize, scaleFactor, longestEdge, words, visionHidden,
                    visionLayers);
        }

        public Spec withVocabPadding(int rows) {
            return new Spec(textHidden, textLayers, rows, imageSize, scaleFactor, longestEdge, words, visionHidden,
                    visionLayers);
        }

        public Spec withVision(int tileSize, int scale, int processorLongestEdge) {
            return new Spec(textHidden, textLayers, vocabPadding, tileSize, scale, processorLongestEdge, words,
                    visionHidden, visionLayers);
        }

        /** The vision tower's width and depth (4 heads, MLP twice as wide). */
        public Spec withVisionTower(int hidden, int layers) {
            return new Spec(textHidden, textLayers, vocabPadding, imageSize, scaleFactor, longestEdge, words, hidden,
                    layers);
        }

        public Spec withWords(List<String> w) {
            return new Spec(textHidden, textLayers, vocabPadding, imageSize, scaleFactor, longestEdge, w, visionHidden,
                    visionLayers);
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
        vision.put("patch_size", 8);
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
        writeTokenizer(dir, WORDS);
        return dir;
    }

    /**
     * A WordLevel tokenizer.json (Whitespace pre-tokenizer, specials as added tokens, a decoder that puts
     * punctuation back against its word) and its config with a chat template.
     */
    public static void writeTokenizer(Path dir) throws IOException {
        writeTokenizer(dir, WORDS);
    }

    public static void writeTokenizer(Path dir, List<String> words) throws IOException {
        ObjectNode tok = JSON.createObjectNode();
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        ArrayNode added = tok.putArray("added_tokens");
        for (int i = 0; i < SPECIAL.size(); i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", SPECIAL.get(i));
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
        List<String> all = new ArrayList<>(SPECIAL);
        all.addAll(words);
        for (int i = 0; i < all.size(); i++) {
            vocab.put(all.get(i), i);
        }
        model.put("unk_token", "<unk>");
        Files.writeString(dir.resolve("tokenizer.json"), tok.toPrettyString());
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("bos_token", "<|im_start|>");
        cfg.put("eos_token", "<end_of_utterance>");
        cfg.put("pad_token", "<unk>");
        cfg.put("unk_token", "<unk>");
        cfg.put("chat_template", "<|im_start|>{% for message in messages %}"
                + "{% if message['role'] == 'user' %}User:{% else %}Assistant:{% endif %}"
                + "{{ message['content'] }}<end_of_utterance>\n{% endfor %}"
                + "{% if add_generation_prompt %}Assistant:{% endif %}");
        Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toPrettyString());
    }
}
