package org.vlmdistill.core.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads and validates the header of a safetensors file laid out as
 * {@code [u64 LE N][N bytes UTF-8 JSON][data area]}.
 *
 * <p>Strictness matches the Hugging Face reader ({@code SafeTensors::read_metadata}): N at most
 * 100,000,000; the tensors, sorted by {@code data_offsets}, must tile the data area exactly — the
 * first begins at 0, each begins where the previous ends, the last ends at the end of the file — so
 * gaps, overlaps and trailing bytes are all errors; each tensor's byte length must equal
 * elements × dtype size. Where HF is looser we are stricter, never looser: duplicate keys (HF keeps
 * the last), {@code "__metadata__": null} and strings with unpaired surrogates are rejected. Keys of a
 * tensor entry other than dtype, shape and data_offsets are ignored, as HF's serde does.
 */
final class HeaderParser {
    static final String METADATA_KEY = "__metadata__";
    private static final ValueLayout.OfLong U64_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** @param headerLength N, so the data area starts at absolute offset 8 + N */
    record Header(long headerLength, Map<String, String> metadata, List<TensorInfo> tensors) {
    }

    private final Path file;

    private HeaderParser(Path file) {
        this.file = file;
    }

    /**
     * Parses the header of the file whose whole content is {@code mapping}. Only bytes
     * [0, 8 + N) are touched; the data area is neither read nor copied, so opening a file costs heap
     * in proportion to its header, never its tensors.
     */
    static Header parse(Path file, MemorySegment mapping) {
        return new HeaderParser(file).parse(mapping);
    }

    private Header parse(MemorySegment mapping) {
        long fileSize = mapping.byteSize();
        if (fileSize < 8) {
            throw fail("file is " + fileSize + " bytes, shorter than the 8-byte header length");
        }
        long n = mapping.get(U64_LE, 0);
        // n < 0 is a u64 of 2^63 or more; the limit check comes first so nothing is ever allocated for it.
        if (n < 0 || n > Json.MAX_JSON_BYTES) {
            throw fail("header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + Json.MAX_JSON_BYTES + " bytes");
        }
        if (n > fileSize - 8) {
            throw fail("header length " + n + " goes past the end of the file (" + fileSize
                    + " bytes, so at most " + (fileSize - 8) + " are left after the length)");
        }
        // n <= 100 MB, so the slice fits one ByteBuffer.
        String text = Json.decodeUtf8(file, mapping.asSlice(8, n).asByteBuffer(), "header");
        if (!text.startsWith("{")) {
            throw fail("header does not start with '{'; it must be a JSON object");
        }
        long dataSize = fileSize - 8 - n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        readEntries(text, dataSize, metadata, tensors);
        checkTiling(tensors, dataSize);
        return new Header(n, Collections.unmodifiableMap(metadata), List.copyOf(tensors));
    }

    /** Streams the top-level object so that a duplicate or malformed entry can be reported by name. */
    private void readEntries(String text, long dataSize, Map<String, String> metadata, List<TensorInfo> tensors) {
        Set<String> seen = new HashSet<>();
        String current = null;
        try (JsonParser p = Json.MAPPER.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw fail("header is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                current = p.currentName();
                if (!seen.add(current)) {
                    throw current.equals(METADATA_KEY)
                            ? fail("header has '" + METADATA_KEY + "' twice")
                            : fail(current, "name appears twice in the header");
                }
                if (!Json.isWellFormed(current)) {
                    throw fail(current, "name contains an unpaired UTF-16 surrogate escape");
                }
                p.nextToken();
                JsonNode value = Json.MAPPER.readTree(p);
                if (current.equals(METADATA_KEY)) {
                    readMetadata(value, metadata);
                } else {
                    tensors.add(readTensor(current, value, dataSize));
                }
                current = null;
            }
            // The loop ends on the root's END_OBJECT; after it only whitespace (HF pads with spaces) may follow.
            if (p.nextToken() != null) {
                throw fail("header has content after its JSON object");
            }
        } catch (JacksonException e) {
            String problem = "header is not valid JSON: " + e.getOriginalMessage();
            throw current == null || current.equals(METADATA_KEY)
                    ? new SafetensorsException(file, null, problem, e)
                    : new SafetensorsException(file, current, problem, e);
        } catch (java.io.IOException e) {
            // Jackson over an in-memory String raises only JacksonException; anything else is a bug in it.
            throw new SafetensorsException(file, null, "header could not be read: " + e, e);
        }
    }

    private void readMetadata(JsonNode value, Map<String, String> metadata) {
        if (value == null || !value.isObject()) {
            throw fail("'" + METADATA_KEY + "' is " + Json.kind(value) + ", not an object of strings");
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            JsonNode v = e.getValue();
            if (!v.isTextual()) {
                throw fail("'" + METADATA_KEY + "' key '" + e.getKey() + "' is " + Json.kind(v)
                        + ", not a string");
            }
            if (!Json.isWellFormed(e.getKey()) || !Json.isWellFormed(v.textValue())) {
                throw fail("'" + METADATA_KEY + "' key '" + e.getKey()
                        + "' contains an unpaired UTF-16 surrogate escape");
            }
            metadata.put(e.getKey(), v.textValue());
        }
    }

    private TensorInfo readTensor(String name, JsonNode entry, long dataSize) {
        if (entry == null || !entry.isObject()) {
            throw fail(name, "entry is " + Json.kind(entry) + ", not an object");
        }
        DType dtype = readDType(name, entry.get("dtype"));
        long[] shape = readLongs(name, entry, "shape", -1);
        long[] offsets = readLongs(name, entry, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        String offsetText = "data_offsets [" + begin + ", " + end + "]";
        long elements = Shapes.elementCount(shape);
        if (elements < 0) {
            throw fail(name, "shape " + Shapes.toString(shape) + " has more than 2^63-1 elements");
        }
        long bytes = Shapes.byteCount(elements, dtype.byteSize());
        if (bytes < 0) {
            throw fail(name, "shape " + Shapes.toString(shape) + " of " + dtype.safetensorsName()
                    + " has more than 2^63-1 bytes");
        }
        if (begin > end) {
            throw fail(name, offsetText + " begin after they end");
        }
        if (end > dataSize) {
            throw fail(name, offsetText + " lie outside the data area of " + dataSize + " bytes");
        }
        if (end - begin != bytes) {
            throw fail(name, "shape " + Shapes.toString(shape) + " of " + dtype.safetensorsName() + " needs "
                    + elements + " × " + dtype.byteSize() + " = " + bytes + " bytes but " + offsetText
                    + " span " + (end - begin));
        }
        List<Long> shapeList = Arrays.stream(shape).boxed().toList();
        return new TensorInfo(name, dtype, shapeList, begin, end);
    }

    private DType readDType(String name, JsonNode node) {
        if (node == null || !node.isTextual()) {
            throw fail(name, "'dtype' is " + Json.kind(node) + ", not a string");
        }
        return DType.fromSafetensors(node.textValue()).orElseThrow(() -> fail(name,
                "unsupported dtype '" + node.textValue() + "'; this reader knows "
                        + Arrays.stream(DType.values()).map(DType::safetensorsName).collect(Collectors.joining(", "))));
    }

    /** An array of non-negative integers under {@code key}; {@code length} -1 means any length. */
    private long[] readLongs(String name, JsonNode entry, String key, int length) {
        JsonNode node = entry.get(key);
        if (node == null || !node.isArray()) {
            throw fail(name, "'" + key + "' is " + Json.kind(node) + ", not an array");
        }
        if (length >= 0 && node.size() != length) {
            throw fail(name, "'" + key + "' has " + node.size() + " elements, not " + length);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Json.nonNegativeLong(node.get(i));
            if (values[i] < 0) {
                throw fail(name, "'" + key + "'[" + i + "] is " + node.get(i)
                        + ", not an integer in [0, 2^63)");
            }
        }
        return values;
    }

    /**
     * Sorted by (begin, end) — the order HF validates in — the tensors must cover [0, dataSize)
     * end to end. Zero-byte tensors sort before a tensor starting at the same offset, so they fit.
     */
    private void checkTiling(List<TensorInfo> tensors, long dataSize) {
        tensors.sort(Comparator.comparingLong(TensorInfo::dataBegin)
                .thenComparingLong(TensorInfo::dataEnd)
                .thenComparing(TensorInfo::name));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : tensors) {
            String offsets = "data_offsets [" + t.dataBegin() + ", " + t.dataEnd() + "]";
            if (t.dataBegin() < covered) {
                throw fail(t.name(), offsets + " overlap tensor '" + previous.name() + "' at ["
                        + previous.dataBegin() + ", " + previous.dataEnd() + "]");
            }
            if (t.dataBegin() > covered) {
                throw fail(t.name(), offsets + " leave a gap of " + (t.dataBegin() - covered)
                        + " bytes after offset " + covered + "; tensors must be contiguous");
            }
            covered = t.dataEnd();
            previous = t;
        }
        if (covered != dataSize) {
            throw fail("the data area has " + dataSize + " bytes but the tensors cover only " + covered
                    + "; trailing bytes are not allowed");
        }
    }

    private SafetensorsException fail(String problem) {
        return new SafetensorsException(file, problem);
    }

    private SafetensorsException fail(String tensor, String problem) {
        return new SafetensorsException(file, tensor, problem);
    }
}
