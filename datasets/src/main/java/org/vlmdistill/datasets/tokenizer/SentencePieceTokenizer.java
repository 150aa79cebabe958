package org.vlmdistill.datasets.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model directory's SentencePiece {@code tokenizer.model} with the added tokens of its
 * {@code tokenizer_config.json}, as transformers' slow tokenizers (InternLM2Tokenizer, LlamaTokenizer)
 * encode: the text is split at added tokens (the longest one at the leftmost position), each added token
 * is its id, and every other segment is encoded by SentencePiece on its own (so each gets the dummy
 * prefix). No special token is added: the chat template writes BOS.
 *
 * <p>Added tokens come from {@code added_tokens_decoder} (id to {@code content}, {@code lstrip},
 * {@code rstrip}, {@code single_word}, {@code special}), {@code added_tokens.json} (content to id), and
 * the special tokens ({@code bos_token}, ..., {@code additional_special_tokens}) of tokenizer_config.json
 * and special_tokens_map.json, each the model's piece of that name or, when there is none, a new id past
 * the others (transformers' add_special_tokens). Unnamed, {@code unk_token}, {@code bos_token} and
 * {@code eos_token} are {@code <unk>}, {@code <s>} and {@code </s>} where the model has those pieces:
 * InternLM2Tokenizer's and LlamaTokenizer's defaults.
 * An added token may rename a piece: InternVL2 calls InternLM2's pieces 92542 and 92543
 * {@code <|im_end|>} and {@code <|im_start|>}.
 */
final class SentencePieceTokenizer implements TextTokenizer {
    static final String MODEL_FILE = "tokenizer.model";

    private static final List<String> SPECIAL_FIELDS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    private static final Map<String, String> DEFAULT_SPECIALS = Map.of("unk_token", "<unk>", "bos_token", "<s>", "eos_token", "</s>");

    /** One added token as transformers' AddedToken has it. */
    record AddedToken(String content, long id, boolean lstrip, boolean rstrip, boolean singleWord, boolean special) {
    }

    private final SentencePieceBpe bpe;
    private final Map<Long, AddedToken> addedById;
    /** Added tokens by their first char, longest first. */
    private final Map<Character, List<AddedToken>> addedByFirst = new HashMap<>();

    private SentencePieceTokenizer(SentencePieceBpe bpe, Map<Long, AddedToken> addedById) {
        this.bpe = bpe;
        this.addedById = Collections.unmodifiableMap(new LinkedHashMap<>(addedById));
        for (AddedToken t : addedById.values()) {
            addedByFirst.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
        }
        addedByFirst.values().forEach(l -> l.sort((a, b) -> b.content().length() - a.content().length()));
    }

    /**
     * @param modelFile the tokenizer.model; tokenizer_config.json, added_tokens.json and
     *                  special_tokens_map.json are read beside it where they are
     * @throws NoSuchFileException      naming tokenizer.model when it is missing
     * @throws IllegalArgumentException naming the file and field of a model or config this class cannot read
     */
    static SentencePieceTokenizer load(Path modelFile) throws IOException {
        SentencePieceBpe bpe = SentencePieceBpe.of(SentencePieceModel.read(modelFile));
        Path dir = modelFile.toAbsolutePath().getParent();
        ObjectMapper json = new ObjectMapper();
        Map<String, AddedToken> byContent = new LinkedHashMap<>();
        long[] nextId = {bpe.pieceCount()};

        Path config = dir.resolve("tokenizer_config.json");
        JsonNode configJson = Files.isRegularFile(config) ? readJson(json, config) : null;
        if (configJson != null && configJson.hasNonNull("added_tokens_decoder")) {
            JsonNode decoder = configJson.get("added_tokens_decoder");
            if (!decoder.isObject()) {
                throw new IllegalArgumentException(config + ": field 'added_tokens_decoder' is not an object of id -> token");
            }
            for (Map.Entry<String, JsonNode> e : decoder.properties()) {
                long id;
                try {
                    id = Long.parseLong(e.getKey());
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException(config + ": 'added_tokens_decoder' has key '" + e.getKey() + "', not an id");
                }
                JsonNode t = e.getValue();
                if (!t.path("content").isTextual() || t.get("content").asText().isEmpty()) {
                    throw new IllegalArgumentException(config + ": 'added_tokens_decoder." + e.getKey() + "' has no string 'content'");
                }
                add(byContent, new AddedToken(t.get("content").asText(), id, t.path("lstrip").asBoolean(false),
                        t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false), t.path("special").asBoolean(false)));
                nextId[0] = Math.max(nextId[0], id + 1);
            }
        }
        Path addedJson = dir.resolve("added_tokens.json");
        if (Files.isRegularFile(addedJson)) {
            JsonNode added = readJson(json, addedJson);
            for (Map.Entry<String, JsonNode> e : added.properties()) {
                if (!e.getValue().canConvertToLong() || e.getKey().isEmpty()) {
                    throw new IllegalArgumentException(addedJson + ": entry '" + e.getKey() + "' is not a token -> id");
                }
                if (!byContent.containsKey(e.getKey())) {
                    add(byContent, new AddedToken(e.getKey(), e.getValue().asLong(), false, false, false, false));
                    nextId[0] = Math.max(nextId[0], e.getValue().asLong() + 1);
                }
            }
        }
        Map<String, String> named = new LinkedHashMap<>(); // special-token field -> content
        List<String> specials = new ArrayList<>();
        Path map = dir.resolve("special_tokens_map.json");
        JsonNode mapJson = Files.isRegularFile(map) ? readJson(json, map) : null;
        for (Path file : List.of(map, config)) {
            JsonNode node = file.equals(config) ? configJson : mapJson;
            if (node == null) {
                continue;
            }
            for (String field : SPECIAL_FIELDS) {
                if (node.hasNonNull(field)) {
                    named.put(field, tokenContent(file, field, node.get(field)));
                }
            }
            if (node.hasNonNull("additional_special_tokens")) {
                for (JsonNode t : node.get("additional_special_tokens")) {
                    specials.add(tokenContent(file, "additional_special_tokens", t));
                }
            }
        }
        DEFAULT_SPECIALS.forEach((field, content) -> {
            if (!named.containsKey(field) && bpe.hasPiece(content)) {
                named.put(field, content);
            }
        });
        specials.addAll(0, named.values());
        for (String content : specials) {
            AddedToken t = byContent.get(content);
            if (t == null) {
                long id = bpe.hasPiece(content) ? bpe.pieceToId(content) : nextId[0]++;
                add(byContent, new AddedToken(content, id, false, false, false, true));
            } else if (!t.special()) {
                byContent.put(content, new AddedToken(content, t.id(), t.lstrip(), t.rstrip(), t.singleWord(), true));
            }
        }
        Map<Long, AddedToken> byId = new LinkedHashMap<>();
        for (AddedToken t : byContent.values()) {
            AddedToken before = byId.putIfAbsent(t.id(), t);
            if (before != null) {
                throw new IllegalArgumentException(dir + ": added tokens '" + before.content() + "' and '" + t.content()
                        + "' both have id " + t.id());
            }
        }
        return new SentencePieceTokenizer(bpe, byId);
    }

    private static void add(Map<String, AddedToken> byContent, AddedToken t) {
        byContent.put(t.content(), t);
    }

    private static JsonNode readJson(ObjectMapper json, Path file) throws IOException {
        try {
            JsonNode node = json.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(file + ": not a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String tokenContent(Path file, String field, JsonNode value) {
        if (value.isTextual() && !value.asText().isEmpty()) {
            return value.asText();
        }
        if (value.isObject() && value.path("content").isTextual() && !value.get("content").asText().isEmpty()) {
            return value.get("content").asText();
        }
        throw new IllegalArgumentException(file + ": field '" + field + "' is " + value
                + ", expected a token string or an object with a string 'content'");
    }

    SentencePieceBpe bpe() {
        return bpe;
    }

    /** Added tokens by id: those renaming pieces and those past them. */
    Map<Long, AddedToken> addedTokens() {
        return addedById;
    }

    @Override
    public Tokens encode(String text) {
        List<Long> ids = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        int segment = 0; // start of the text not yet encoded
        int i = 0;
        while (i < text.length()) {
            AddedToken t = addedAt(text, i);
            if (t == null) {
                i++;
                continue;
            }
            int segmentEnd = i;
            if (t.lstrip()) {
                while (segmentEnd > segment && Character.isWhitespace(text.charAt(segmentEnd - 1))) {
                    segmentEnd--;
                }
            }
            encodeSegment(text, segment, segmentEnd, ids, tokens, starts, ends);
            ids.add(t.id());
            tokens.add(t.content());
            starts.add(i);
            ends.add(i + t.content().length());
            i += t.content().length();
            if (t.rstrip()) {
                while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
            }
            segment = i;
        }
        encodeSegment(text, segment, text.length(), ids, tokens, starts, ends);
        return new Tokens(ids.stream().mapToLong(Long::longValue).toArray(), tokens,
                starts.stream().mapToInt(Integer::intValue).toArray(), ends.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The longest added token at {@code i}; a single_word one only with no word character beside it. */
    private AddedToken addedAt(String text, int i) {
        List<AddedToken> candidates = addedByFirst.get(text.charAt(i));
        if (candidates == null) {
            return null;
        }
        for (AddedToken t : candidates) {
            if (text.startsWith(t.content(), i)) {
                int end = i + t.content().length();
                if (t.singleWord() && ((i > 0 && !Character.isWhitespace(text.charAt(i - 1)))
                        || (end < text.length() && !Character.isWhitespace(text.charAt(end))))) {
                    continue;
                }
                return t;
            }
        }
        return null;
    }

    private void encodeSegment(String text, int from, int to, List<Long> ids, List<String> tokens, List<Integer> starts,
                               List<Integer> ends) {
        if (from >= to) {
            return;
        }
        Tokens t = bpe.encode(text.substring(from, to));
        for (int k = 0; k < t.size(); k++) {
            long id = t.ids()[k];
            ids.add(id);
            AddedToken renamed = addedById.get(id);
            tokens.add(renamed != null ? renamed.content() : t.tokens().get(k));
            starts.add(from + t.starts()[k]);
            ends.add(from + t.ends()[k]);
        }
    }

    /**
     * Runs of piece ids decoded by SentencePiece (each run drops its leading dummy-prefix space, as the
     * slow tokenizer decodes the text between added tokens on its own), added tokens as their content,
     * special ones left out when asked.
     */
    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        StringBuilder out = new StringBuilder();
        List<Long> run = new ArrayList<>();
        for (long id : ids) {
            AddedToken t = addedById.get(id);
            if (t == null) {
                run.add(id);
                continue;
            }
            flush(run, out);
            if (!(skipSpecialTokens && t.special())) {
                out.append(t.content());
            }
        }
        flush(run, out);
        return out.toString();
    }

    private void flush(List<Long> run, StringBuilder out) {
        if (!run.isEmpty()) {
            out.append(bpe.decode(run.stream().mapToLong(Long::longValue).toArray()));
            run.clear();
        }
    }

    /** Piece strings by id, renamed by the added tokens, and the added tokens past the pieces. */
    Map<Long, String> tokensById() {
        Map<Long, String> out = new HashMap<>(bpe.pieceCount() * 2);
        for (int id = 0; id < bpe.pieceCount(); id++) {
            out.put((long) id, bpe.piece(id));
        }
        addedById.forEach((id, t) -> out.put(id, t.content()));
        return out;
    }

    @Override
    public void close() {
        // nothing native
    }
}
