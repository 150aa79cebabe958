package org.vlmdistill.core.safetensors;

import org.vlmdistill.core.text.JsonStrings;

import org.vlmdistill.core.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes a checkpoint the way {@code huggingface_hub.save_torch_state_dict} does.
 *
 * <p>Split (HF's {@code split_state_dict_into_shards_factory}): tensors are taken in the given
 * order; a tensor larger than the limit gets a shard of its own; otherwise, if adding it would push
 * the current shard past the limit, the shard is closed and a new one begun. Sizes count tensor
 * bytes only, not headers. One shard is written as {@code model.safetensors} with no index; N > 1
 * as {@code model-00001-of-0000N.safetensors} ... plus {@code model.safetensors.index.json}
 * {@code {"metadata": {"total_size": <sum of tensor bytes>}, "weight_map": {name: shard}}}, keys
 * sorted, indented by 2 as transformers writes it.
 *
 * <p>Order of writes: shards first, the index last, so the index (the file readers open first)
 * only ever names shards that are complete. Afterwards files left in the directory by an earlier
 * save under HF's names ({@code model.safetensors}, {@code model-NNNNN-of-NNNNN.safetensors}, the
 * index) that this save did not write are deleted, as HF does, so that the directory holds exactly
 * one checkpoint.
 */
final class ShardedWriter {
    static final String SINGLE_FILE = "model.safetensors";
    static final String INDEX_FILE = "model.safetensors.index.json";
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private ShardedWriter() {
    }

    static List<Path> write(Path dir, List<TensorData> tensors, Map<String, String> metadata, long maxShardBytes)
            throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        Path index = dir.resolve(INDEX_FILE);
        SafetensorsWriter.validate(index, tensors, metadata);
        Files.createDirectories(dir);
        List<List<TensorData>> shards = split(tensors, maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path file = dir.resolve(SINGLE_FILE);
            SafetensorsWriter.write(file, shards.getFirst(), metadata);
            written.add(file);
        } else {
            Map<String, String> weightMap = new TreeMap<>(SafetensorsWriter.CODE_POINT_ORDER);
            long totalSize = 0;
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Path file = dir.resolve(name);
                SafetensorsWriter.write(file, shards.get(i), metadata);
                written.add(file);
                for (TensorData t : shards.get(i)) {
                    weightMap.put(t.name(), name);
                    totalSize += t.byteSize();
                }
            }
            byte[] json = indexJson(totalSize, weightMap).getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(index, channel -> SafetensorsWriter.writeFully(channel, ByteBuffer.wrap(json)));
        }
        removeStale(dir, written, shards.size() == 1);
        return List.copyOf(written);
    }

    static List<List<TensorData>> split(List<TensorData> tensors, long maxShardBytes) {
        List<List<TensorData>> shards = new ArrayList<>();
        List<TensorData> current = new ArrayList<>();
        long currentBytes = 0;
        for (TensorData t : tensors) {
            long size = t.byteSize();
            if (size > maxShardBytes) {
                shards.add(List.of(t));
                continue;
            }
            if (currentBytes + size > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += size;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    private static String indexJson(long totalSize, Map<String, String> weightMap) {
        StringBuilder json = new StringBuilder();
        json.append("{\n  \"metadata\": {\n    \"total_size\": ").append(totalSize).append("\n  },\n");
        json.append("  \"weight_map\": {");
        String sep = "\n";
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            json.append(sep).append("    ");
            JsonStrings.quote(json, e.getKey());
            json.append(": ");
            JsonStrings.quote(json, e.getValue());
            sep = ",\n";
        }
        json.append("\n  }\n}\n");
        return json.toString();
    }

    private static void removeStale(Path dir, List<Path> written, boolean single) throws IOException {
        Set<Path> keep = new HashSet<>();
        for (Path p : written) {
            keep.add(p.getFileName());
        }
        if (!single) {
            keep.add(Path.of(INDEX_FILE));
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean ours = name.equals(SINGLE_FILE) || name.equals(INDEX_FILE) || SHARD_NAME.matcher(name).matches();
                if (ours && !keep.contains(entry.getFileName())) {
                    Files.deleteIfExists(entry);
                }
            }
        }
    }
}
