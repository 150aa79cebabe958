package org.vlmdistill.core.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/** JSON reading limits and writing rules shared by the header, the index and the writer. */
final class Json {
    /** The Hugging Face reader's limit on a header (its {@code MAX_HEADER_SIZE}); we use it for indexes too. */
    static final long MAX_JSON_BYTES = 100_000_000L;

    /**
     * A header needs depth 3 (root, entry, shape) and an index depth 3; 32 leaves room for unknown
     * keys HF would ignore while keeping Jackson's recursive tree building far from a stack
     * overflow. Offsets are at most 20 digits, names are at most a few hundred characters.
     */
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(32)
            .maxNumberLength(64)
            .maxNameLength(1_000_000)
            .maxStringLength((int) MAX_JSON_BYTES)
            .maxDocumentLength(MAX_JSON_BYTES)
            .build();

    /**
     * Thread-safe once built and never reconfigured. Duplicate keys in any object fail the read
     * (Jackson would otherwise keep the last one silently); the header's top-level keys are
     * checked by the caller, which can then name the tensor.
     */
    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS).build())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    /**
     * For a whole document in one tree: text after the root value is an error. Not on
     * {@link #MAPPER} itself, because there it would also fire on every value read out of a
     * stream that goes on (the header's entries).
     */
    static final ObjectReader WHOLE_DOCUMENT = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** Strict UTF-8: malformed or overlong sequences and encoded surrogates are errors, never U+FFFD. */
    static String decodeUtf8(Path file, ByteBuffer bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            // The decoder stops with the buffer positioned at the first byte it could not decode.
            throw new SafetensorsException(file, what + " is not valid UTF-8: malformed sequence at byte "
                    + bytes.position() + " of the " + what);
        }
    }

    /** A JSON value's kind for error messages: "string", "number", "object", "null", ... */
    static String kind(JsonNode node) {
        return node == null ? "missing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** The value of a JSON integer in [0, 2^63), or -1 for anything else (a fraction, 1e3, a string, ...). */
    static long nonNegativeLong(JsonNode node) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            return -1;
        }
        long v = node.longValue();
        return v < 0 ? -1 : v;
    }

    /**
     * False for a string with an unpaired UTF-16 surrogate: it has no UTF-8 form, so it can come
     * only from a <code>&#92;ud800</code>-style escape (which the HF reader rejects) or a broken caller.
     */
    static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

}
