package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per malformed single-file case (the cases live in {@link Corpus}, which also feeds
 * the on-disk corpus): each must raise {@link SafetensorsException} whose message starts with the
 * file path, then names the tensor where the problem is about one, then says what is wrong.
 */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    private void rejects(Corpus.Case c) throws IOException {
        Path file = dir.resolve(c.fileName());
        Files.write(file, c.bytes());
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close(),
                c.name());
        String message = e.getMessage();
        String prefix = c.tensor() == null ? file + ": " : file + ": tensor '" + c.tensor() + "': ";
        assertTrue(message.startsWith(prefix), () -> "expected prefix <" + visible(prefix) + "> in <" + visible(message) + ">");
        assertTrue(message.contains(c.fragment()), () -> "expected <" + c.fragment() + "> in <" + visible(message) + ">");
        assertEquals(file, e.file());
        assertEquals(Optional.ofNullable(c.tensor()), e.tensor());
    }

    /** Escapes what a report could not print (lone surrogates, control characters). */
    static String visible(String s) {
        StringBuilder out = new StringBuilder();
        s.chars().forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return out.toString();
    }

    @Test
    void fileEmpty() throws IOException {
        rejects(Corpus.FILE_EMPTY);
    }

    @Test
    void file5Bytes() throws IOException {
        rejects(Corpus.FILE_5_BYTES);
    }

    @Test
    void headerPastEof() throws IOException {
        rejects(Corpus.HEADER_PAST_EOF);
    }

    @Test
    void headerOver100mb() throws IOException {
        rejects(Corpus.HEADER_OVER_100MB);
    }

    @Test
    void headerLengthU64Max() throws IOException {
        rejects(Corpus.HEADER_LENGTH_U64_MAX);
    }

    @Test
    void headerEmpty() throws IOException {
        rejects(Corpus.HEADER_EMPTY);
    }

    @Test
    void headerInvalidUtf8() throws IOException {
        rejects(Corpus.HEADER_INVALID_UTF8);
    }

    @Test
    void headerOverlongUtf8() throws IOException {
        rejects(Corpus.HEADER_OVERLONG_UTF8);
    }

    @Test
    void headerEncodedSurrogate() throws IOException {
        rejects(Corpus.HEADER_ENCODED_SURROGATE);
    }

    @Test
    void headerNotJson() throws IOException {
        rejects(Corpus.HEADER_NOT_JSON);
    }

    @Test
    void headerJsonArray() throws IOException {
        rejects(Corpus.HEADER_JSON_ARRAY);
    }

    @Test
    void headerJsonString() throws IOException {
        rejects(Corpus.HEADER_JSON_STRING);
    }

    @Test
    void headerLeadingSpace() throws IOException {
        rejects(Corpus.HEADER_LEADING_SPACE);
    }

    @Test
    void headerTrailingGarbage() throws IOException {
        rejects(Corpus.HEADER_TRAILING_GARBAGE);
    }

    @Test
    void headerSecondObject() throws IOException {
        rejects(Corpus.HEADER_SECOND_OBJECT);
    }

    @Test
    void headerDeepNesting() throws IOException {
        rejects(Corpus.HEADER_DEEP_NESTING);
    }

    @Test
    void headerNumberTooLong() throws IOException {
        rejects(Corpus.HEADER_NUMBER_TOO_LONG);
    }

    @Test
    void entryNotObject() throws IOException {
        rejects(Corpus.ENTRY_NOT_OBJECT);
    }

    @Test
    void entryNull() throws IOException {
        rejects(Corpus.ENTRY_NULL);
    }

    @Test
    void entryMissingDtype() throws IOException {
        rejects(Corpus.ENTRY_MISSING_DTYPE);
    }

    @Test
    void entryMissingShape() throws IOException {
        rejects(Corpus.ENTRY_MISSING_SHAPE);
    }

    @Test
    void entryMissingDataOffsets() throws IOException {
        rejects(Corpus.ENTRY_MISSING_DATA_OFFSETS);
    }

    @Test
    void entryDtypeNotString() throws IOException {
        rejects(Corpus.ENTRY_DTYPE_NOT_STRING);
    }

    @Test
    void entryShapeNotArray() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_NOT_ARRAY);
    }

    @Test
    void entryShapeElementString() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_ELEMENT_STRING);
    }

    @Test
    void entryShapeNegative() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_NEGATIVE);
    }

    @Test
    void entryShapeFraction() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_FRACTION);
    }

    @Test
    void entryShapeIntegralFloat() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_INTEGRAL_FLOAT);
    }

    @Test
    void entryShapeExponent() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_EXPONENT);
    }

    @Test
    void entryShapeBeyondLong() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_BEYOND_LONG);
    }

    @Test
    void entryShapeOverflow() throws IOException {
        rejects(Corpus.ENTRY_SHAPE_OVERFLOW);
    }

    @Test
    void entryBytesOverflow() throws IOException {
        rejects(Corpus.ENTRY_BYTES_OVERFLOW);
    }

    @Test
    void entryOffsetsNotArray() throws IOException {
        rejects(Corpus.ENTRY_OFFSETS_NOT_ARRAY);
    }

    @Test
    void entryOffsetsOneElement() throws IOException {
        rejects(Corpus.ENTRY_OFFSETS_ONE_ELEMENT);
    }

    @Test
    void entryOffsetsThreeElements() throws IOException {
        rejects(Corpus.ENTRY_OFFSETS_THREE_ELEMENTS);
    }

    @Test
    void entryOffsetsNegative() throws IOException {
        rejects(Corpus.ENTRY_OFFSETS_NEGATIVE);
    }

    @Test
    void entryOffsetsPastData() throws IOException {
        rejects(Corpus.ENTRY_OFFSETS_PAST_DATA);
    }

    @Test
    void entryOffsetsBeginAfterEnd() throws IOException {
        rejects(Corpus.ENTRY_OFFSETS_BEGIN_AFTER_END);
    }

    @Test
    void entryUnknownDtype() throws IOException {
        rejects(Corpus.ENTRY_UNKNOWN_DTYPE);
    }

    @Test
    void entrySizeMismatch() throws IOException {
        rejects(Corpus.ENTRY_SIZE_MISMATCH);
    }

    @Test
    void entryDuplicateKey() throws IOException {
        rejects(Corpus.ENTRY_DUPLICATE_KEY);
    }

    @Test
    void entryNameLoneSurrogate() throws IOException {
        rejects(Corpus.ENTRY_NAME_LONE_SURROGATE);
    }

    @Test
    void tensorsDuplicateName() throws IOException {
        rejects(Corpus.TENSORS_DUPLICATE_NAME);
    }

    @Test
    void tensorsOverlap() throws IOException {
        rejects(Corpus.TENSORS_OVERLAP);
    }

    @Test
    void tensorsGap() throws IOException {
        rejects(Corpus.TENSORS_GAP);
    }

    @Test
    void tensorsNotStartingAtZero() throws IOException {
        rejects(Corpus.TENSORS_NOT_STARTING_AT_ZERO);
    }

    @Test
    void tensorsTrailingBytes() throws IOException {
        rejects(Corpus.TENSORS_TRAILING_BYTES);
    }

    @Test
    void dataWithoutTensors() throws IOException {
        rejects(Corpus.DATA_WITHOUT_TENSORS);
    }

    @Test
    void metadataNotObject() throws IOException {
        rejects(Corpus.METADATA_NOT_OBJECT);
    }

    @Test
    void metadataNull() throws IOException {
        rejects(Corpus.METADATA_NULL);
    }

    @Test
    void metadataValueNumber() throws IOException {
        rejects(Corpus.METADATA_VALUE_NUMBER);
    }

    @Test
    void metadataDuplicateKey() throws IOException {
        rejects(Corpus.METADATA_DUPLICATE_KEY);
    }

    @Test
    void metadataTwice() throws IOException {
        rejects(Corpus.METADATA_TWICE);
    }
}
