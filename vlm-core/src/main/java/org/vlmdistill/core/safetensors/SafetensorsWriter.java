package org.vlmdistill.core.safetensors;

import org.vlmdistill.core.text.JsonStrings;

import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.core.text.CodePointOrder;

import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files that the Hugging Face library reads, byte for byte as its writer would
 * lay them out:
 *
 * <pre>
 * [u64 LE N]
 * [N bytes: compact JSON {"__metadata__":{...},"name":{"dtype":..,"shape":[..],"data_offsets":[b,e]},...}
 *           followed by spaces so that N % 8 == 0]
 * [tensor bytes, back to back, in the order of the header]
 * </pre>
 *
 * Tensors are ordered as HF's {@code prepare} orders them: by HF's {@code Dtype} enum descending
 * (which is alignment descending: I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL for the dtypes
 * this project has), then by name. With 8 + N a multiple of 8 and sizes descending, every tensor
 * starts at a file offset aligned to its element size, so a mapped file can be read in place.
 *
 * <p>Files are written atomically (temp file, fsync, rename); tensor bytes are streamed from their
 * segments in bounded chunks, never gathered in one array. Sharded checkpoints: see
 * {@link #writeSharded}.
 */
public final class SafetensorsWriter {
    /** Bounds each channel write, and the JDK's temporary direct buffer when the source is on the heap. */
    private static final int CHUNK = 8 << 20;

    private SafetensorsWriter() {
    }

    public static void write(Path file, Collection<TensorData> tensors) throws IOException {
        write(file, tensors, null);
    }

    /**
     * Writes {@code tensors} to {@code file}, replacing it atomically.
     *
     * @param metadata the header's {@code __metadata__}, written sorted by key (as a Rust BTreeMap
     *                 serializes), so the bytes do not depend on the map's iteration order; null to leave it out
     *                 (an empty map is written as {@code {}}, as HF does)
     * @throws SafetensorsException naming the file and tensor if a name is empty, reserved, not
     *                              valid Unicode or repeated, or if a tensor's byte length is not
     *                              elements × dtype size; nothing is written then
     */
    public static void write(Path file, Collection<TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        List<TensorData> ordered = validate(file, tensors, metadata);
        ordered.sort(HF_ORDER);
        byte[] header = header(file, ordered, metadata);
        AtomicFiles.write(file, channel -> {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(channel, prefix);
            writeFully(channel, ByteBuffer.wrap(header));
            for (TensorData t : ordered) {
                MemorySegment bytes = t.bytes(); // deferred bytes are made here, one tensor at a time
                if (bytes.byteSize() != t.byteSize()) {
                    throw new SafetensorsException(file, t.name(), "its bytes are " + bytes.byteSize()
                            + " long, the header says " + t.byteSize());
                }
                writeSegment(channel, bytes);
            }
        });
    }

    /**
     * Writes a Hugging Face sharded checkpoint into {@code dir}; see {@link ShardedWriter}.
     *
     * @return the safetensors files written, in shard order
     */
    public static List<Path> writeSharded(Path dir, List<TensorData> tensors, Map<String, String> metadata,
                                          long maxShardBytes) throws IOException {
        return ShardedWriter.write(dir, tensors, metadata, maxShardBytes);
    }

    /** HF's {@code Dtype} enum position, which its writer sorts by (descending). Gaps are dtypes we lack. */
    static int hfDtypeRank(DType dtype) {
        return switch (dtype) {
            case BOOL -> 0;
            case U8 -> 1;
            case I8 -> 2;
            case I16 -> 5;
            case F16 -> 7;
            case BF16 -> 8;
            case I32 -> 9;
            case F32 -> 11;
            case F64 -> 12;
            case I64 -> 13;
        };
    }

    /** Rust compares names as UTF-8 bytes, which is code point order, not Java's UTF-16 order. */
    static final Comparator<String> CODE_POINT_ORDER = CodePointOrder.COMPARATOR;

    static final Comparator<TensorData> HF_ORDER =
            Comparator.comparingInt((TensorData t) -> -hfDtypeRank(t.dtype()))
                    .thenComparing(TensorData::name, CODE_POINT_ORDER);

    /** Checks every tensor and the metadata; returns a mutable copy of the list. */
    static List<TensorData> validate(Path file, Collection<TensorData> tensors, Map<String, String> metadata) {
        Set<String> names = new HashSet<>();
        long total = 0;
        for (TensorData t : tensors) {
            String name = t.name();
            if (name.isEmpty()) {
                throw new SafetensorsException(file, name, "tensor name is empty");
            }
            if (name.equals(HeaderParser.METADATA_KEY)) {
                throw new SafetensorsException(file, name, "name is reserved for the header's metadata");
            }
            if (!Json.isWellFormed(name)) {
                throw new SafetensorsException(file, name, "name contains an unpaired UTF-16 surrogate");
            }
            if (!names.add(name)) {
                throw new SafetensorsException(file, name, "two tensors have this name");
            }
            long[] shape = t.shape();
            long elements = Shapes.elementCount(shape);
            if (elements < 0) {
                throw new SafetensorsException(file, name, "shape " + Shapes.toString(shape)
                        + " has a negative dimension or more than 2^63-1 elements");
            }
            long bytes = Shapes.byteCount(elements, t.dtype().byteSize());
            if (bytes != t.byteSize()) {
                throw new SafetensorsException(file, name, "shape " + Shapes.toString(shape) + " of "
                        + t.dtype().safetensorsName() + " needs " + elements + " × " + t.dtype().byteSize()
                        + " bytes but " + t.byteSize() + " were given");
            }
            if (total > Long.MAX_VALUE - bytes) {
                throw new SafetensorsException(file, name, "the tensors add up to more than 2^63-1 bytes");
            }
            total += bytes;
        }
        if (metadata != null) {
            metadata.forEach((k, v) -> {
                if (k == null || v == null || !Json.isWellFormed(k) || !Json.isWellFormed(v)) {
                    throw new SafetensorsException(file, "metadata entry '" + k + "' = '" + v
                            + "' is not a pair of well-formed strings");
                }
            });
        }
        return new ArrayList<>(tensors);
    }

    /** Compact JSON as serde_json writes it, plus the space padding that makes N a multiple of 8. */
    static byte[] header(Path file, List<TensorData> ordered, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null) {
            json.append("\"" + HeaderParser.METADATA_KEY + "\":{");
            String sep = "";
            // sorted, not in the map's iteration order: Map.of's order changes from one JVM to the next, and a
            // checkpoint written again from the same state must be the same bytes (a resumed run's included)
            List<Map.Entry<String, String>> entries = new java.util.ArrayList<>(metadata.entrySet());
            entries.sort(Map.Entry.comparingByKey(CODE_POINT_ORDER));
            for (Map.Entry<String, String> e : entries) {
                json.append(sep);
                JsonStrings.quote(json, e.getKey());
                json.append(':');
                JsonStrings.quote(json, e.getValue());
                sep = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (TensorData t : ordered) {
            if (json.length() > 1) {
                json.append(',');
            }
            JsonStrings.quote(json, t.name());
            json.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(shape[i]);
            }
            long end = offset + t.byteSize();
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = text.length + (8 - text.length % 8) % 8;
        if (padded > Json.MAX_JSON_BYTES) {
            throw new SafetensorsException(file, "header would be " + padded + " bytes, over the "
                    + Json.MAX_JSON_BYTES + "-byte limit readers enforce");
        }
        byte[] header = new byte[padded];
        System.arraycopy(text, 0, header, 0, text.length);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    /**
     * Streams {@code segment} in chunks. Native segments (including another file's mapping) and
     * byte[]-backed ones are handed to the channel as views; segments over other primitive arrays
     * have no byte-buffer view and are copied through one staging chunk.
     */
    static void writeSegment(FileChannel channel, MemorySegment segment) throws IOException {
        boolean viewable = segment.heapBase().map(base -> base instanceof byte[]).orElse(true);
        byte[] staging = viewable ? null : new byte[(int) Math.min(CHUNK, segment.byteSize())];
        for (long off = 0; off < segment.byteSize(); off += CHUNK) {
            int len = (int) Math.min(CHUNK, segment.byteSize() - off);
            ByteBuffer chunk;
            if (viewable) {
                chunk = segment.asSlice(off, len).asByteBuffer();
            } else {
                MemorySegment.copy(segment, off, MemorySegment.ofArray(staging), 0, len);
                chunk = ByteBuffer.wrap(staging, 0, len);
            }
            writeFully(channel, chunk);
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
