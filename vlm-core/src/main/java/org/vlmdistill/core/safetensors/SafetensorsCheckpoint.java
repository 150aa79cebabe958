package org.vlmdistill.core.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face checkpoint: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}, seen as one set of uniquely named tensors.
 *
 * <p>With an index, every shard it names is opened and checked against it: each tensor is in
 * exactly one shard, the one the {@code weight_map} names, and every tensor a shard holds is in
 * the {@code weight_map}. Shard names are confined to the model directory ({@link ConfinedPaths}).
 *
 * <p>Thread safety as for {@link SafetensorsFile}: immutable after open, readable from any thread
 * until {@link #close()}, which closes every shard.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = ShardedWriter.SINGLE_FILE;
    public static final String INDEX_FILE = ShardedWriter.INDEX_FILE;

    private final Path root;
    private final Path source;
    private final Optional<CheckpointIndex> index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owners;

    private SafetensorsCheckpoint(Path root, Path source, Optional<CheckpointIndex> index,
                                  List<SafetensorsFile> shards, Map<String, SafetensorsFile> owners) {
        this.root = root;
        this.source = source;
        this.index = index;
        this.shards = List.copyOf(shards);
        this.owners = Collections.unmodifiableMap(owners);
    }

    /**
     * Opens a model directory (index if present, else {@code model.safetensors}), an index file, or
     * a single {@code .safetensors} file.
     *
     * @throws SafetensorsException if a file is malformed or the files disagree, naming file and tensor
     * @throws IOException          if a file cannot be read
     */
    public static SafetensorsCheckpoint open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            // NOFOLLOW: a dangling index symlink is an error below, not a reason to fall back to model.safetensors.
            if (Files.exists(path.resolve(INDEX_FILE), LinkOption.NOFOLLOW_LINKS)) {
                return openIndexed(path, ConfinedPaths.resolve(path, path, INDEX_FILE, "file", null));
            }
            if (Files.exists(path.resolve(SINGLE_FILE), LinkOption.NOFOLLOW_LINKS)) {
                return openSingle(path, ConfinedPaths.resolve(path, path, SINGLE_FILE, "file", null));
            }
            throw new SafetensorsException(path, "the directory has neither " + INDEX_FILE + " nor " + SINGLE_FILE);
        }
        Path dir = path.toAbsolutePath().getParent();
        return path.getFileName().toString().endsWith(".index.json")
                ? openIndexed(dir, path)
                : openSingle(dir, path);
    }

    private static SafetensorsCheckpoint openSingle(Path root, Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) {
            owners.put(t.name(), f);
        }
        return new SafetensorsCheckpoint(root, file, Optional.empty(), List.of(f), owners);
    }

    private static SafetensorsCheckpoint openIndexed(Path root, Path indexFile) throws IOException {
        CheckpointIndex index = CheckpointIndex.read(indexFile);
        // Shard name → one tensor the index puts there, to name in errors; sorted, so shard 1 opens first.
        Map<String, String> shardNames = new TreeMap<>();
        index.weightMap().forEach((tensor, shard) -> shardNames.putIfAbsent(shard, tensor));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            // Two spellings of one file ("x", "./x") are one shard, opened once.
            Map<Path, SafetensorsFile> byPath = new LinkedHashMap<>();
            Map<String, SafetensorsFile> byShardName = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : shardNames.entrySet()) {
                Path shard = ConfinedPaths.resolve(indexFile, root, e.getKey(), "shard", e.getValue());
                SafetensorsFile f = byPath.get(shard);
                if (f == null) {
                    f = SafetensorsFile.open(shard);
                    opened.add(f);
                    byPath.put(shard, f);
                }
                byShardName.put(e.getKey(), f);
            }
            Map<String, SafetensorsFile> owners = owners(opened);
            checkAgainstIndex(index, byShardName, owners);
            return new SafetensorsCheckpoint(root, indexFile, Optional.of(index), opened, owners);
        } catch (Throwable t) {
            opened.forEach(SafetensorsFile::close);
            throw t;
        }
    }

    private static Map<String, SafetensorsFile> owners(List<SafetensorsFile> shards) {
        Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
        for (SafetensorsFile f : shards) {
            for (TensorInfo t : f.tensors()) {
                SafetensorsFile first = owners.putIfAbsent(t.name(), f);
                if (first != null) {
                    throw new SafetensorsException(f.path(), t.name(), "also present in shard " + first.path()
                            + "; a tensor must be in exactly one shard");
                }
            }
        }
        return owners;
    }

    private static void checkAgainstIndex(CheckpointIndex index, Map<String, SafetensorsFile> byShardName,
                                          Map<String, SafetensorsFile> owners) {
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            SafetensorsFile actual = owners.get(e.getKey());
            if (actual == null) {
                throw new SafetensorsException(index.file(), e.getKey(), "the weight_map puts it in '" + e.getValue()
                        + "' but no shard holds it");
            }
            if (actual != byShardName.get(e.getValue())) {
                throw new SafetensorsException(index.file(), e.getKey(), "the weight_map puts it in '" + e.getValue()
                        + "' but it is in " + actual.path());
            }
        }
        for (Map.Entry<String, SafetensorsFile> e : owners.entrySet()) {
            if (!index.weightMap().containsKey(e.getKey())) {
                throw new SafetensorsException(e.getValue().path(), e.getKey(), "present in this shard but missing from the weight_map of "
                        + index.file());
            }
        }
    }

    /** The model directory (the parent directory when a file was opened). */
    public Path root() {
        return root;
    }

    /** The index file, when the checkpoint is sharded. */
    public Optional<Path> indexFile() {
        return index.map(CheckpointIndex::file);
    }

    /** The index's {@code metadata}, values as text ({@code total_size} as digits); empty without an index. */
    public Map<String, String> indexMetadata() {
        return index.map(CheckpointIndex::metadata).orElse(Map.of());
    }

    /** The index's {@code total_size}, when it has one that is an integer. */
    public OptionalLong totalSize() {
        String text = indexMetadata().get("total_size");
        try {
            return text == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException notAnInteger) {
            return OptionalLong.empty();
        }
    }

    /** The open files, in shard-name order. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** All tensor names, by shard, then by offset within it. */
    public Set<String> names() {
        return owners.keySet();
    }

    public List<TensorInfo> tensors() {
        List<TensorInfo> all = new ArrayList<>(owners.size());
        shards.forEach(s -> all.addAll(s.tensors()));
        return all;
    }

    public boolean contains(String name) {
        return owners.containsKey(name);
    }

    /** @throws SafetensorsException naming the checkpoint and the tensor if it has no such tensor */
    public TensorInfo tensor(String name) {
        return shardOf(name).tensor(name);
    }

    /** The file that holds {@code name}. */
    public SafetensorsFile shardOf(String name) {
        SafetensorsFile f = owners.get(name);
        if (f == null) {
            throw new SafetensorsException(source, name, "no such tensor in this checkpoint (" + owners.size()
                    + " tensors in " + shards.size() + " files)");
        }
        return f;
    }

    /** A read-only slice of the owning shard's mapping, valid until {@link #close()}. */
    public MemorySegment data(String name) {
        return shardOf(name).data(name);
    }

    public MemorySegment data(TensorInfo info) {
        return shardOf(info.name()).data(info);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "SafetensorsCheckpoint[" + source + ", " + owners.size() + " tensors in " + shards.size() + " files]";
    }
}
