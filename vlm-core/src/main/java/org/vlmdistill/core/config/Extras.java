package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The keys of one config object that no record component models ({@code architectures},
 * {@code transformers_version}, {@code _name_or_path}, ...), kept in file order as HF keeps them (as
 * plain attributes). Immutable: it holds a private deep copy, and every {@link JsonNode} it hands out
 * is a fresh copy, since Jackson's nodes are mutable.
 */
public final class Extras {
    private final ObjectNode values;

    private Extras(ObjectNode values) {
        this.values = values;
    }

    public static Extras none() {
        return new Extras(JsonNodeFactory.instance.objectNode());
    }

    /** Copies {@code entries}; a Java {@code null} value is stored as JSON null. */
    public static Extras of(Map<String, ? extends JsonNode> entries) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        entries.forEach((k, v) -> copy.set(k, v == null ? copy.nullNode() : v.deepCopy()));
        return new Extras(copy);
    }

    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        values.properties().forEach(e -> keys.add(e.getKey()));
        return Collections.unmodifiableSet(keys);
    }

    /** A copy of the value under {@code key}; a JSON null in the file is present as a NullNode. */
    public Optional<JsonNode> get(String key) {
        JsonNode v = values.get(key);
        return v == null ? Optional.empty() : Optional.of(v.deepCopy());
    }

    public boolean contains(String key) {
        return values.has(key);
    }

    public int size() {
        return values.size();
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** A copy, in file order. */
    public Map<String, JsonNode> asMap() {
        Map<String, JsonNode> map = new LinkedHashMap<>();
        values.properties().forEach(e -> map.put(e.getKey(), e.getValue().deepCopy()));
        return Collections.unmodifiableMap(map);
    }

    /** A copy as one JSON object. */
    public ObjectNode toJson() {
        return values.deepCopy();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Extras other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
