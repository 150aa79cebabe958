package org.vlmdistill.datasets.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;

/**
 * A model's tokenizer for text a chat template has already rendered: what transformers'
 * {@code apply_chat_template(..., tokenize=True)} does after rendering. So, unlike DJL's defaults:
 * no special tokens added (the template wrote {@code <|im_start|>}, BOS, ...), no truncation (DJL would
 * cut at 512 tokens, and a tokenizer.json's own truncation is switched off too), no padding.
 *
 * <p>A directory's {@code tokenizer.json} runs in DJL's native Hugging Face tokenizers library, bundled in
 * its jar; set {@code -Dai.djl.offline=true} so DJL does not try the network. Closing frees the native
 * tokenizer. A directory without one but with a SentencePiece {@code tokenizer.model} (InternLM2's) runs
 * {@link SentencePieceTokenizer}, as transformers' slow tokenizer with tokenizer_config.json's added tokens.
 */
public final class ChatTokenizer implements AutoCloseable {
    private final TextTokenizer tokenizer;
    private final Map<String, Long> idsByToken;
    private final Map<Long, String> tokensById;

    private ChatTokenizer(TextTokenizer tokenizer, Map<String, Long> idsByToken, Map<Long, String> tokensById) {
        this.tokenizer = tokenizer;
        this.idsByToken = idsByToken;
        this.tokensById = tokensById;
    }

    /**
     * The tokenizer file of a model directory: {@code tokenizer.json}, else the SentencePiece
     * {@code tokenizer.model}.
     *
     * @throws NoSuchFileException naming both when neither is there
     */
    public static Path file(Path modelDir) throws NoSuchFileException {
        Path json = modelDir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return json;
        }
        Path model = modelDir.resolve(SentencePieceTokenizer.MODEL_FILE);
        if (Files.isRegularFile(model)) {
            return model;
        }
        throw new NoSuchFileException(model.toString(), null, "no tokenizer: neither " + json + " nor " + model
                + " (SentencePiece) is there");
    }

    /**
     * @param path a model directory holding {@code tokenizer.json} or, without one, {@code tokenizer.model}
     *             (SentencePiece, with tokenizer_config.json beside it); or either file itself
     * @throws IOException              naming the files looked for when there is none, or when one is unreadable
     * @throws IllegalArgumentException naming the file when it is not a tokenizer this class understands
     */
    public static ChatTokenizer load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? file(path) : path;
        if (file.getFileName().toString().endsWith(".model")) {
            SentencePieceTokenizer sp = SentencePieceTokenizer.load(file);
            Map<Long, String> tokensById = sp.tokensById();
            Map<String, Long> idsByToken = new HashMap<>(tokensById.size() * 2);
            for (int id = 0; id < sp.bpe().pieceCount(); id++) {
                idsByToken.putIfAbsent(sp.bpe().piece(id), (long) id);
            }
            sp.addedTokens().forEach((id, t) -> idsByToken.put(t.content(), id));
            return new ChatTokenizer(sp, idsByToken, tokensById);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such tokenizer file");
        }
        Map<String, Long> idsByToken = new HashMap<>();
        readVocabulary(file, idsByToken);
        Map<Long, String> tokensById = new HashMap<>(idsByToken.size() * 2);
        idsByToken.forEach((token, id) -> tokensById.putIfAbsent(id, token));

        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(file)
                .optAddSpecialTokens(false)
                .optTruncation(false)
                .optPadding(false)
                .build();
        return new ChatTokenizer(new HuggingFaceJson(tokenizer), idsByToken, tokensById);
    }

    /**
     * The model's vocabulary ({@code model.vocab}: a token-to-id object for BPE, WordPiece and
     * WordLevel, a list of {@code [piece, score]} for Unigram) and the added tokens.
     */
    private static void readVocabulary(Path file, Map<String, Long> idsByToken) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                idsByToken.put(e.getKey(), e.getValue().asLong());
            }
        } else if (vocab.isArray()) {
            long id = 0;
            for (JsonNode piece : vocab) {
                idsByToken.put(piece.path(0).asText(), id++);
            }
        } else {
            throw new IllegalArgumentException(file + ": field 'model.vocab' is missing or neither an object nor a list");
        }
        for (JsonNode added : root.path("added_tokens")) {
            if (!added.path("content").isTextual() || !added.path("id").canConvertToLong()) {
                throw new IllegalArgumentException(file + ": an entry of 'added_tokens' lacks a string 'content' or an 'id': " + added);
            }
            idsByToken.put(added.get("content").asText(), added.get("id").asLong());
        }
    }

    /** Token ids, token strings and where each token lies in {@code text}. */
    public Tokens encode(String text) {
        return tokenizer.encode(text);
    }

    /** A tokenizer.json in DJL's native library. */
    private record HuggingFaceJson(HuggingFaceTokenizer tokenizer) implements TextTokenizer {
        @Override
        public Tokens encode(String text) {
            Encoding e = tokenizer.encode(text);
            CharSpan[] spans = e.getCharTokenSpans();
            // the native library counts code points; Java strings count UTF-16 chars
            int[] charIndex = codePointToCharIndex(text);
            int[] starts = new int[spans.length];
            int[] ends = new int[spans.length];
            for (int i = 0; i < spans.length; i++) {
                starts[i] = charIndex[spans[i].getStart()];
                ends[i] = charIndex[spans[i].getEnd()];
            }
            return new Tokens(e.getIds(), List.of(e.getTokens()), starts, ends);
        }

        private static int[] codePointToCharIndex(String text) {
            int[] index = new int[text.codePointCount(0, text.length()) + 1];
            int cp = 0;
            for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
                index[cp++] = i;
            }
            index[cp] = text.length();
            return index;
        }

        @Override
        public String decode(long[] ids, boolean skipSpecialTokens) {
            return tokenizer.decode(ids, skipSpecialTokens);
        }

        @Override
        public void close() {
            tokenizer.close();
        }
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(long[] ids) {
        return decode(ids, false);
    }

    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** Distinct ids of the vocabulary and added tokens (a model's embedding table may be larger). */
    public int vocabSize() {
        return tokensById.size();
    }

    /** The id of a token string as the vocabulary spells it ({@code "<|image_pad|>"}, byte-level {@code "Ġhello"}). */
    public OptionalLong tokenId(String token) {
        Long id = idsByToken.get(token);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** The token string of an id. */
    public Optional<String> token(long id) {
        return Optional.ofNullable(tokensById.get(id));
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
