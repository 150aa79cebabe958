package org.vlmdistill.datasets.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The check a run makes before comparing two models' logits: both tokenizers must spell every shared
 * id the same way, so that logit {@code v} means the same token on both sides. Padded vocab sizes
 * differ across sizes of one family (Qwen2: 151936 vs 152064), so both logits are cut to the
 * smaller config {@code vocab_size}, the {@link Result#sharedVocab()}.
 *
 * <p>A tokenizer.json's ids are {@code model.vocab} (a token-to-id object for BPE, WordPiece and
 * WordLevel; a list of {@code [piece, score]} for Unigram, ids by position) and {@code added_tokens}
 * (specials included), which win where both name an id. A SentencePiece {@code tokenizer.model}'s ids
 * are its pieces, renamed and extended by the added tokens of the tokenizer_config.json beside it
 * ({@link SentencePieceTokenizer}). A model directory stands for its tokenizer file ({@link ChatTokenizer#file}).
 */
public final class VocabularyAlignment {
    /** Disagreeing ids the exception's message and problem list show. */
    static final int SHOWN = 10;

    /**
     * @param sharedVocab     {@code min} of the two config {@code vocab_size}s: logits are cut to this
     * @param checkedIds      ids compared: those below the smaller tokenizer's size
     * @param studentTokens   distinct ids the student's tokenizer.json defines
     * @param teacherTokens   distinct ids the teacher's tokenizer.json defines
     * @param warnings        ids below {@code sharedVocab} that only one tokenizer defines (harmless to
     *                        the check, but the other model never produces them from text)
     */
    public record Result(int sharedVocab, int checkedIds, int studentTokens, int teacherTokens, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private VocabularyAlignment() {
    }

    /**
     * @param studentTokenizer the student's tokenizer.json or tokenizer.model, or its model directory
     * @param studentVocab     the student config's {@code vocab_size} (its logits' width)
     * @throws AlignmentException naming both files, the count of disagreeing ids and the first few
     * @throws IOException        when a file cannot be read or is not a tokenizer.json
     */
    public static Result check(Path studentTokenizer, int studentVocab, Path teacherTokenizer, int teacherVocab)
            throws IOException {
        studentTokenizer = Files.isDirectory(studentTokenizer) ? ChatTokenizer.file(studentTokenizer) : studentTokenizer;
        teacherTokenizer = Files.isDirectory(teacherTokenizer) ? ChatTokenizer.file(teacherTokenizer) : teacherTokenizer;
        Map<Integer, String> student = tokens(studentTokenizer);
        Map<Integer, String> teacher = tokens(teacherTokenizer);
        int studentSize = size(student);
        int teacherSize = size(teacher);
        int checked = Math.min(studentSize, teacherSize);
        int shared = Math.min(studentVocab, teacherVocab);
        List<String> disagreements = new ArrayList<>();
        int disagreeing = 0;
        List<String> warnings = new ArrayList<>();
        int onlyOne = 0;
        for (int id = 0; id < Math.max(checked, shared); id++) {
            String s = student.get(id);
            String t = teacher.get(id);
            if (s != null && t != null) {
                if (!s.equals(t)) {
                    if (disagreeing++ < SHOWN) {
                        disagreements.add("id " + id + ": student " + quote(s) + ", teacher " + quote(t));
                    }
                }
            } else if ((s != null || t != null) && id < shared) {
                if (onlyOne++ < SHOWN) {
                    warnings.add("id " + id + " is " + quote(s != null ? s : t) + " in the "
                            + (s != null ? "student" : "teacher") + "'s tokenizer only");
                }
            }
        }
        if (onlyOne > SHOWN) {
            warnings.add("... " + (onlyOne - SHOWN) + " more ids below the shared size " + shared
                    + " are in one tokenizer only");
        }
        for (var side : List.of(Map.entry("student", studentSize), Map.entry("teacher", teacherSize))) {
            if (side.getValue() > shared) {
                warnings.add("the " + side.getKey() + "'s tokenizer has ids up to " + (side.getValue() - 1)
                        + ", past the shared vocabulary of " + shared + ": text with those tokens cannot be distilled");
            }
        }
        if (disagreeing > 0) {
            throw new AlignmentException("the student's " + studentTokenizer + " and the teacher's " + teacherTokenizer
                    + " disagree on " + disagreeing + " of the " + checked + " ids they share, so their logits "
                    + "cannot be compared token for token; first: " + String.join("; ", disagreements), disagreements);
        }
        return new Result(shared, checked, student.size(), teacher.size(), warnings);
    }

    /** Id to token string: {@code model.vocab}, then {@code added_tokens} over it; or a SentencePiece model's. */
    static Map<Integer, String> tokens(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".model")) {
            Map<Integer, String> tokens = new HashMap<>();
            try (SentencePieceTokenizer sp = SentencePieceTokenizer.load(file)) {
                sp.tokensById().forEach((id, token) -> tokens.put(Math.toIntExact(id), token));
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e); // names the file and field, as the tokenizer.json errors below
            }
            return tokens;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": not a tokenizer.json (expected a JSON object)");
        }
        Map<Integer, String> tokens = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                if (!e.getValue().canConvertToInt()) {
                    throw new IOException(file + ": model.vocab[" + quote(e.getKey()) + "] is not an id: " + e.getValue());
                }
                tokens.put(e.getValue().asInt(), e.getKey());
            }
        } else if (vocab.isArray()) {
            int id = 0;
            for (JsonNode piece : vocab) {
                tokens.put(id++, piece.path(0).asText());
            }
        } else {
            throw new IOException(file + ": field 'model.vocab' is missing or neither an object nor a list");
        }
        for (JsonNode added : root.path("added_tokens")) {
            if (!added.path("content").isTextual() || !added.path("id").canConvertToInt()) {
                throw new IOException(file + ": an entry of 'added_tokens' lacks a string 'content' or an 'id': " + added);
            }
            tokens.put(added.get("id").asInt(), added.get("content").asText());
        }
        return tokens;
    }

    /** One past the largest id: what a logit row must cover. */
    private static int size(Map<Integer, String> tokens) {
        return tokens.keySet().stream().mapToInt(i -> i + 1).max().orElse(0);
    }

    private static String quote(String token) {
        return '"' + token.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\"", "\\\"") + '"';
    }
}
