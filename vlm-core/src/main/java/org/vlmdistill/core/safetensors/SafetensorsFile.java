package org.vlmdistill.core.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One safetensors file, memory-mapped read-only and validated on open.
 *
 * <p>The whole file is one {@link MemorySegment} mapped with {@code FileChannel.map(..., arena)},
 * addressed with {@code long} offsets, so files past 2 GiB work; tensor data is returned as
 * read-only slices of that mapping and never copied. Opening reads only the 8-byte length and
 * the header.
 *
 * <p>Thread safety: the mapping lives in a shared {@link Arena}, and the object is immutable after
 * {@link #open}, so any thread may call any method and read the returned slices while the file is
 * open. {@link #close()} unmaps; after it, reading a slice obtained earlier throws
 * {@link IllegalStateException} (the FFM runtime guarantees that, also for a read racing the
 * close) instead of touching unmapped memory. Do not close while other threads still need data.
 * If another process truncates the file while it is mapped, reads past the new end fault; the
 * format gives no way to guard against that.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataAreaOffset;
    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, HeaderParser.Header header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.dataAreaOffset = 8 + header.headerLength();
        this.metadata = header.metadata();
        this.tensors = header.tensors();
        Map<String, TensorInfo> index = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            index.put(t.name(), t);
        }
        this.byName = index;
    }

    /**
     * Maps and validates {@code path}.
     *
     * @throws SafetensorsException if the file is not a well-formed safetensors file
     * @throws IOException          if it cannot be opened or mapped
     */
    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            // The mapping outlives the channel; it is released when the arena closes.
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new SafetensorsFile(path, arena, mapping, HeaderParser.parse(path, mapping));
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} in file order; empty when it has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensors, ordered by their offset in the data area (ties, only zero-byte tensors, by name). */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** Absolute file offset of the data area, {@code 8 + N}; add a tensor's dataBegin for its file offset. */
    public long dataAreaOffset() {
        return dataAreaOffset;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** @throws SafetensorsException naming the file and the tensor if the file has no such tensor */
    public TensorInfo tensor(String name) {
        TensorInfo info = byName.get(name);
        if (info == null) {
            throw new SafetensorsException(path, name, "no such tensor in this file (it has "
                    + tensors.size() + " tensors)");
        }
        return info;
    }

    /** The tensor's bytes: a read-only slice of the mapping, valid until {@link #close()}. */
    public MemorySegment data(String name) {
        return slice(tensor(name));
    }

    /**
     * The bytes of {@code info}, which must be one of this file's {@link #tensors()}.
     *
     * @throws IllegalArgumentException if {@code info} describes a tensor of another file
     */
    public MemorySegment data(TensorInfo info) {
        if (!info.equals(byName.get(info.name()))) {
            throw new IllegalArgumentException(path + ": tensor '" + info.name()
                    + "': this TensorInfo does not come from this file's header");
        }
        return slice(info);
    }

    private MemorySegment slice(TensorInfo info) {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(path + ": file is closed");
        }
        return mapping.asSlice(dataAreaOffset + info.dataBegin(), info.byteLength()).asReadOnly();
    }

    /**
     * Unmaps the file; idempotent.
     *
     * @throws IllegalStateException if the mapping is still in use by a native call (the FFM
     *                               runtime refuses to unmap memory a downcall may be reading)
     */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException e) {
                if (arena.scope().isAlive()) {
                    throw e;
                }
                // Otherwise another thread closed it between the check and the call: done either way.
            }
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
