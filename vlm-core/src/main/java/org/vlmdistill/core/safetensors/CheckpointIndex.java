package org.vlmdistill.core.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code model.safetensors.index.json}:
 * {@code {"metadata": {"total_size": 123, ...}, "weight_map": {"tensor name": "shard file name", ...}}}.
 * Only {@code weight_map} is required. Metadata values are kept as text: a string as is, anything
 * else (total_size is a number) as its JSON.
 */
record CheckpointIndex(Path file, Map<String, String> metadata, Map<String, String> weightMap) {

    static CheckpointIndex read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Json.MAX_JSON_BYTES) {
            throw new SafetensorsException(file, "index is " + size + " bytes, over the limit of "
                    + Json.MAX_JSON_BYTES);
        }
        String text = Json.decodeUtf8(file, ByteBuffer.wrap(Files.readAllBytes(file)), "index");
        JsonNode root;
        try {
            root = Json.WHOLE_DOCUMENT.readTree(text);
        } catch (JacksonException e) {
            throw new SafetensorsException(file, null, "index is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file, "index is " + Json.kind(root) + ", not a JSON object");
        }
        return new CheckpointIndex(file, metadata(file, root.get("metadata")), weightMap(file, root.get("weight_map")));
    }

    private static Map<String, String> weightMap(Path file, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new SafetensorsException(file, "'weight_map' is " + Json.kind(node) + ", not an object");
        }
        if (node.isEmpty()) {
            throw new SafetensorsException(file, "'weight_map' is empty");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode shard = e.getValue();
            if (!shard.isTextual()) {
                throw new SafetensorsException(file, e.getKey(), "'weight_map' value is " + Json.kind(shard)
                        + ", not a shard file name");
            }
            map.put(e.getKey(), shard.textValue());
        }
        return Collections.unmodifiableMap(map);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) {
        if (node == null) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new SafetensorsException(file, "'metadata' is " + Json.kind(node) + ", not an object");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            map.put(e.getKey(), v.isTextual() ? v.textValue() : v.toString());
        }
        return Collections.unmodifiableMap(map);
    }
}
