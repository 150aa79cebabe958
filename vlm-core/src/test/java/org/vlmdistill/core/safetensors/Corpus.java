package org.vlmdistill.core.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.vlmdistill.core.safetensors.Bytes.ascii;
import static org.vlmdistill.core.safetensors.Bytes.concat;
import static org.vlmdistill.core.safetensors.Bytes.file;
import static org.vlmdistill.core.safetensors.Bytes.json;
import static org.vlmdistill.core.safetensors.Bytes.raw;

/**
 * The malformed and valid single files, one per case, shared by {@link SafetensorsMalformedTest}
 * (one test each) and the corpus under {@code src/test/resources/safetensors-corpus/}, which
 * {@link SafetensorsCorpusTest} checks is in sync with this list. Regenerate the corpus with
 * {@code main} (argument: the corpus directory) after changing a case; files found by the fuzz
 * test can be dropped into {@code invalid/} by hand and need no entry here.
 */
final class Corpus {
    /**
     * @param tensor   the tensor the error must name, null if the problem is not about one
     * @param fragment text the message must contain
     */
    record Case(String name, byte[] bytes, String tensor, String fragment) {
        String fileName() {
            return name + ".safetensors";
        }
    }

    /** A header entry; {@code shape} and {@code offsets} are JSON array bodies. */
    static String entry(String name, String dtype, String shape, String offsets) {
        return "'" + name + "':{'dtype':'" + dtype + "','shape':[" + shape + "],'data_offsets':[" + offsets + "]}";
    }

    private static final String W = entry("w", "F32", "1", "0,4");

    static final Case FILE_EMPTY = new Case("file-empty", new byte[0], null, "shorter than the 8-byte header length");
    static final Case FILE_5_BYTES = new Case("file-5-bytes", new byte[]{1, 2, 3, 4, 5}, null, "shorter than the 8-byte");
    static final Case HEADER_PAST_EOF = new Case("header-past-eof", raw(100, "{}"), null, "past the end of the file");
    static final Case HEADER_OVER_100MB = new Case("header-over-100mb", raw(100_000_001, "{}"), null, "exceeds the limit");
    static final Case HEADER_LENGTH_U64_MAX = new Case("header-length-u64-max", raw(-1, "{}"), null,
            "header length 18446744073709551615 exceeds");
    static final Case HEADER_EMPTY = new Case("header-empty", raw(0, ""), null, "does not start with '{'");
    static final Case HEADER_INVALID_UTF8 = new Case("header-invalid-utf8",
            file(concat(ascii("{\"a"), new byte[]{(byte) 0xC3, 0x28}, ascii("\":{}}")), 0), null, "not valid UTF-8");
    static final Case HEADER_OVERLONG_UTF8 = new Case("header-overlong-utf8",
            file(concat(ascii("{\""), new byte[]{(byte) 0xC0, (byte) 0xAF}, ascii("\":{}}")), 0), null, "not valid UTF-8");
    static final Case HEADER_ENCODED_SURROGATE = new Case("header-encoded-surrogate",
            file(concat(ascii("{\""), new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, ascii("\":{}}")), 0), null,
            "not valid UTF-8");
    static final Case HEADER_NOT_JSON = new Case("header-not-json", file(json("{'w':{'dtype':'F32'"), 4), "w",
            "not valid JSON");
    static final Case HEADER_JSON_ARRAY = new Case("header-json-array", file("[1,2,3]", 0), null, "does not start with '{'");
    static final Case HEADER_JSON_STRING = new Case("header-json-string", file("\"hello\"", 0), null, "does not start with '{'");
    static final Case HEADER_LEADING_SPACE = new Case("header-leading-space", file(" {}", 0), null, "does not start with '{'");
    static final Case HEADER_TRAILING_GARBAGE = new Case("header-trailing-garbage", file("{} x", 0), null, "not valid JSON");
    static final Case HEADER_SECOND_OBJECT = new Case("header-second-object", file("{}{}", 0), null, "content after its JSON object");
    static final Case HEADER_DEEP_NESTING = new Case("header-deep-nesting",
            file(json("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4],'x':" + "[".repeat(5000) + "]".repeat(5000) + "}}"), 4),
            "w", "nesting depth");
    static final Case HEADER_NUMBER_TOO_LONG = new Case("header-number-too-long",
            file(json("{" + entry("w", "F32", "1" + "0".repeat(2000), "0,4") + "}"), 4), "w", "not valid JSON");

    static final Case ENTRY_NOT_OBJECT = new Case("entry-not-object", file(json("{'w':5}"), 0), "w", "not an object");
    static final Case ENTRY_NULL = new Case("entry-null", file(json("{'w':null}"), 0), "w", "entry is null");
    static final Case ENTRY_MISSING_DTYPE = new Case("entry-missing-dtype",
            file(json("{'w':{'shape':[1],'data_offsets':[0,4]}}"), 4), "w", "'dtype' is missing");
    static final Case ENTRY_MISSING_SHAPE = new Case("entry-missing-shape",
            file(json("{'w':{'dtype':'F32','data_offsets':[0,4]}}"), 4), "w", "'shape' is missing");
    static final Case ENTRY_MISSING_DATA_OFFSETS = new Case("entry-missing-data-offsets",
            file(json("{'w':{'dtype':'F32','shape':[1]}}"), 4), "w", "'data_offsets' is missing");
    static final Case ENTRY_DTYPE_NOT_STRING = new Case("entry-dtype-not-string",
            file(json("{'w':{'dtype':32,'shape':[1],'data_offsets':[0,4]}}"), 4), "w", "'dtype' is number");
    static final Case ENTRY_SHAPE_NOT_ARRAY = new Case("entry-shape-not-array",
            file(json("{'w':{'dtype':'F32','shape':'1','data_offsets':[0,4]}}"), 4), "w", "'shape' is string");
    static final Case ENTRY_SHAPE_ELEMENT_STRING = new Case("entry-shape-element-string",
            file(json("{" + entry("w", "F32", "'1'", "0,4") + "}"), 4), "w", "'shape'[0] is \"1\"");
    static final Case ENTRY_SHAPE_NEGATIVE = new Case("entry-shape-negative",
            file(json("{" + entry("w", "F32", "-1", "0,4") + "}"), 4), "w", "'shape'[0] is -1");
    static final Case ENTRY_SHAPE_FRACTION = new Case("entry-shape-fraction",
            file(json("{" + entry("w", "F32", "2.5", "0,4") + "}"), 4), "w", "'shape'[0] is 2.5");
    static final Case ENTRY_SHAPE_INTEGRAL_FLOAT = new Case("entry-shape-integral-float",
            file(json("{" + entry("w", "F32", "1.0", "0,4") + "}"), 4), "w", "'shape'[0] is 1.0");
    static final Case ENTRY_SHAPE_EXPONENT = new Case("entry-shape-exponent",
            file(json("{" + entry("w", "F32", "1e0", "0,4") + "}"), 4), "w", "not an integer");
    static final Case ENTRY_SHAPE_BEYOND_LONG = new Case("entry-shape-beyond-long",
            file(json("{" + entry("w", "F32", "99999999999999999999", "0,4") + "}"), 4), "w", "not an integer in [0, 2^63)");
    static final Case ENTRY_SHAPE_OVERFLOW = new Case("entry-shape-overflow",
            file(json("{" + entry("w", "F32", "4294967296,4294967296", "0,4") + "}"), 4), "w", "more than 2^63-1 elements");
    static final Case ENTRY_BYTES_OVERFLOW = new Case("entry-bytes-overflow",
            file(json("{" + entry("w", "F32", "4611686018427387904", "0,4") + "}"), 4), "w", "more than 2^63-1 bytes");
    static final Case ENTRY_OFFSETS_NOT_ARRAY = new Case("entry-offsets-not-array",
            file(json("{'w':{'dtype':'F32','shape':[1],'data_offsets':{'begin':0}}}"), 4), "w", "'data_offsets' is object");
    static final Case ENTRY_OFFSETS_ONE_ELEMENT = new Case("entry-offsets-one-element",
            file(json("{" + entry("w", "F32", "1", "4") + "}"), 4), "w", "has 1 elements, not 2");
    static final Case ENTRY_OFFSETS_THREE_ELEMENTS = new Case("entry-offsets-three-elements",
            file(json("{" + entry("w", "F32", "1", "0,4,8") + "}"), 4), "w", "has 3 elements, not 2");
    static final Case ENTRY_OFFSETS_NEGATIVE = new Case("entry-offsets-negative",
            file(json("{" + entry("w", "F32", "1", "-4,0") + "}"), 4), "w", "'data_offsets'[0] is -4");
    static final Case ENTRY_OFFSETS_PAST_DATA = new Case("entry-offsets-past-data",
            file(json("{" + entry("w", "F32", "100", "0,400") + "}"), 4), "w", "outside the data area of 4 bytes");
    static final Case ENTRY_OFFSETS_BEGIN_AFTER_END = new Case("entry-offsets-begin-after-end",
            file(json("{" + entry("w", "F32", "1", "4,0") + "}"), 4), "w", "begin after they end");
    static final Case ENTRY_UNKNOWN_DTYPE = new Case("entry-unknown-dtype",
            file(json("{" + entry("w", "F8_E4M3", "4", "0,4") + "}"), 4), "w",
            "unsupported dtype 'F8_E4M3'; this reader knows F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
    static final Case ENTRY_SIZE_MISMATCH = new Case("entry-size-mismatch",
            file(json("{" + entry("w", "F32", "3", "0,8") + "}"), 8), "w", "needs 3 × 4 = 12 bytes but data_offsets [0, 8] span 8");
    static final Case ENTRY_DUPLICATE_KEY = new Case("entry-duplicate-key",
            file(json("{'w':{'dtype':'F32','dtype':'F16','shape':[1],'data_offsets':[0,4]}}"), 4), "w", "Duplicate field 'dtype'");
    static final Case ENTRY_NAME_LONE_SURROGATE = new Case("entry-name-lone-surrogate",
            file(json("{" + entry("\\ud800", "F32", "1", "0,4") + "}"), 4), null, "surrogate");

    static final Case TENSORS_DUPLICATE_NAME = new Case("tensors-duplicate-name",
            file(json("{" + W + "," + entry("w", "F32", "1", "4,8") + "}"), 8), "w", "name appears twice");
    static final Case TENSORS_OVERLAP = new Case("tensors-overlap",
            file(json("{" + entry("a", "F32", "2", "0,8") + "," + entry("b", "F32", "2", "4,12") + "}"), 12), "b",
            "overlap tensor 'a' at [0, 8]");
    static final Case TENSORS_GAP = new Case("tensors-gap",
            file(json("{" + entry("a", "F32", "1", "0,4") + "," + entry("b", "F32", "1", "8,12") + "}"), 12), "b",
            "leave a gap of 4 bytes after offset 4");
    static final Case TENSORS_NOT_STARTING_AT_ZERO = new Case("tensors-not-starting-at-zero",
            file(json("{" + entry("a", "F32", "1", "4,8") + "}"), 8), "a", "leave a gap of 4 bytes after offset 0");
    static final Case TENSORS_TRAILING_BYTES = new Case("tensors-trailing-bytes",
            file(json("{" + W + "}"), 8), null, "the data area has 8 bytes but the tensors cover only 4");
    static final Case DATA_WITHOUT_TENSORS = new Case("data-without-tensors",
            file("{}", 8), null, "the data area has 8 bytes but the tensors cover only 0");

    static final Case METADATA_NOT_OBJECT = new Case("metadata-not-object",
            file(json("{'__metadata__':'pt'," + W + "}"), 4), null, "'__metadata__' is string, not an object of strings");
    static final Case METADATA_NULL = new Case("metadata-null",
            file(json("{'__metadata__':null," + W + "}"), 4), null, "'__metadata__' is null");
    static final Case METADATA_VALUE_NUMBER = new Case("metadata-value-number",
            file(json("{'__metadata__':{'format':1}," + W + "}"), 4), null, "key 'format' is number, not a string");
    static final Case METADATA_DUPLICATE_KEY = new Case("metadata-duplicate-key",
            file(json("{'__metadata__':{'k':'a','k':'b'}," + W + "}"), 4), null, "Duplicate field 'k'");
    static final Case METADATA_TWICE = new Case("metadata-twice",
            file(json("{'__metadata__':{},'__metadata__':{}," + W + "}"), 4), null, "'__metadata__' twice");

    static final List<Case> INVALID = List.of(
            FILE_EMPTY, FILE_5_BYTES, HEADER_PAST_EOF, HEADER_OVER_100MB, HEADER_LENGTH_U64_MAX, HEADER_EMPTY,
            HEADER_INVALID_UTF8, HEADER_OVERLONG_UTF8, HEADER_ENCODED_SURROGATE, HEADER_NOT_JSON, HEADER_JSON_ARRAY,
            HEADER_JSON_STRING, HEADER_LEADING_SPACE, HEADER_TRAILING_GARBAGE, HEADER_SECOND_OBJECT,
            HEADER_DEEP_NESTING, HEADER_NUMBER_TOO_LONG,
            ENTRY_NOT_OBJECT, ENTRY_NULL, ENTRY_MISSING_DTYPE, ENTRY_MISSING_SHAPE, ENTRY_MISSING_DATA_OFFSETS,
            ENTRY_DTYPE_NOT_STRING, ENTRY_SHAPE_NOT_ARRAY, ENTRY_SHAPE_ELEMENT_STRING, ENTRY_SHAPE_NEGATIVE,
            ENTRY_SHAPE_FRACTION, ENTRY_SHAPE_INTEGRAL_FLOAT, ENTRY_SHAPE_EXPONENT, ENTRY_SHAPE_BEYOND_LONG,
            ENTRY_SHAPE_OVERFLOW, ENTRY_BYTES_OVERFLOW, ENTRY_OFFSETS_NOT_ARRAY, ENTRY_OFFSETS_ONE_ELEMENT,
            ENTRY_OFFSETS_THREE_ELEMENTS, ENTRY_OFFSETS_NEGATIVE, ENTRY_OFFSETS_PAST_DATA,
            ENTRY_OFFSETS_BEGIN_AFTER_END, ENTRY_UNKNOWN_DTYPE, ENTRY_SIZE_MISMATCH, ENTRY_DUPLICATE_KEY,
            ENTRY_NAME_LONE_SURROGATE,
            TENSORS_DUPLICATE_NAME, TENSORS_OVERLAP, TENSORS_GAP, TENSORS_NOT_STARTING_AT_ZERO,
            TENSORS_TRAILING_BYTES, DATA_WITHOUT_TENSORS,
            METADATA_NOT_OBJECT, METADATA_NULL, METADATA_VALUE_NUMBER, METADATA_DUPLICATE_KEY, METADATA_TWICE);

    /**
     * Files the reader must accept: edge cases of the format rather than of our writer (a header
     * without padding, entries not in offset order, keys HF ignores, zero-size and scalar tensors).
     */
    static final List<Case> VALID = List.of(
            new Case("empty", file("{}      ", 0), null, null),
            new Case("metadata-only", file(json("{'__metadata__':{'format':'pt'}}"), 0), null, null),
            new Case("unpadded-header", file(json("{" + W + "}"), 4), null, null),
            new Case("entries-out-of-offset-order",
                    file(json("{" + entry("b", "I8", "2", "4,6") + "," + entry("a", "F32", "1", "0,4") + "}"), 6), null, null),
            new Case("extra-entry-key", file(json("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4],'note':{'x':[1]}}}"), 4),
                    null, null),
            new Case("scalar-and-zero-size",
                    file(json("{" + entry("e", "F16", "3,0,2", "0,0") + "," + entry("s", "F64", "", "0,8") + ","
                            + entry("z", "BOOL", "0", "8,8") + "}"), 8), null, null),
            new Case("unicode-names", file(json("{" + entry("é/层.0", "U8", "1", "0,1") + ","
                    + entry("\\u00e9\\n", "U8", "1", "1,2") + "}"), 2), null, null),
            // HF's own test vector (safetensors/src/tensor.rs, test_serialization): "attn.0" F32 [1,2,3] = 0..5.
            new Case("hf-attn0", concat(raw(64, json("{'attn.0':{'dtype':'F32','shape':[1,2,3],'data_offsets':[0,24]}}")),
                    Bytes.f32(0, 1, 2, 3, 4, 5)), null, null));

    private Corpus() {
    }

    /** Writes the corpus: {@code invalid/<case>.safetensors} and {@code valid/<case>.safetensors}. */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "vlm-core/src/test/resources/safetensors-corpus");
        for (Case c : INVALID) {
            Files.createDirectories(root.resolve("invalid"));
            Files.write(root.resolve("invalid").resolve(c.fileName()), c.bytes());
        }
        for (Case c : VALID) {
            Files.createDirectories(root.resolve("valid"));
            Files.write(root.resolve("valid").resolve(c.fileName()), c.bytes());
        }
    }
}
