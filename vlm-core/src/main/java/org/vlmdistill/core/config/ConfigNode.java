package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One JSON object of a config being read. Typed getters name the full JSON path when a value has the
 * wrong type, and remember which keys were read so that the rest become {@link Extras}.
 *
 * <p>Null handling follows HF, where {@code "key": null} passes {@code None} to the config class:
 * for a field whose HF default is {@code None} ({@code head_dim}, token ids, {@code rope_scaling}, ...)
 * null reads as "not set"; for a field that must hold a value ({@code hidden_size}) null is an error.
 */
final class ConfigNode {
    private final String source;
    private final String prefix;
    private final ObjectNode node;
    private final Set<String> read = new HashSet<>();

    private ConfigNode(String source, String prefix, ObjectNode node) {
        this.source = source;
        this.prefix = prefix;
        this.node = node;
    }

    static ConfigNode root(JsonNode json, String source) {
        if (json == null || !json.isObject()) {
            throw new ConfigException(source, null,
                    "expected a JSON object at the top level, got " + describe(json));
        }
        return new ConfigNode(source, "", (ObjectNode) json);
    }

    String source() {
        return source;
    }

    String path(String key) {
        return prefix + key;
    }

    ConfigException error(String key, String problem) {
        return new ConfigException(source, path(key), problem);
    }

    /** True if {@code key} is present with a non-null value; does not count as reading it. */
    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    private JsonNode take(String key) {
        read.add(key);
        return node.get(key);
    }

    int intOr(String key, int fallback) {
        JsonNode v = take(key);
        return v == null ? fallback : asInt(key, v);
    }

    /** Absent: {@code fallback}; null: empty. */
    OptionalInt optionalInt(String key, OptionalInt fallback) {
        JsonNode v = take(key);
        if (v == null) {
            return fallback;
        }
        return v.isNull() ? OptionalInt.empty() : OptionalInt.of(asInt(key, v));
    }

    double doubleOr(String key, double fallback) {
        JsonNode v = take(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw error(key, "expected a number, got " + describe(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw error(key, "expected a finite number, got " + v);
        }
        return d;
    }

    /** Absent or null: empty. */
    OptionalDouble optionalDouble(String key) {
        return has(key) ? OptionalDouble.of(doubleOr(key, 0)) : optionalNothing(key);
    }

    private OptionalDouble optionalNothing(String key) {
        take(key);
        return OptionalDouble.empty();
    }

    boolean boolOr(String key, boolean fallback) {
        JsonNode v = take(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(key, "expected true or false, got " + describe(v));
        }
        return v.booleanValue();
    }

    String stringOr(String key, String fallback) {
        JsonNode v = take(key);
        return v == null ? fallback : asString(key, v);
    }

    /** Absent or null: empty. */
    Optional<String> optionalString(String key) {
        JsonNode v = take(key);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(asString(key, v));
    }

    /**
     * A token id field that HF types {@code int | list[int] | None}: a bare int reads as a one-element
     * list. Absent: {@code fallback}; null: empty list.
     */
    List<Integer> intListOr(String key, List<Integer> fallback) {
        JsonNode v = take(key);
        if (v == null) {
            return fallback;
        }
        if (v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            return List.of(asInt(key, v));
        }
        List<Integer> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            out.add(asInt(key + "[" + i + "]", v.get(i)));
        }
        return out;
    }

    /** Absent or null: empty. */
    Optional<List<String>> optionalStringList(String key) {
        JsonNode v = take(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isArray()) {
            throw error(key, "expected a list of strings, got " + describe(v));
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            out.add(asString(key + "[" + i + "]", v.get(i)));
        }
        return Optional.of(out);
    }

    /** A nested config object; absent or null: empty. */
    Optional<ConfigNode> child(String key) {
        JsonNode v = take(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw error(key, "expected a JSON object, got " + describe(v));
        }
        return Optional.of(new ConfigNode(source, path(key) + ".", (ObjectNode) v));
    }

    /** A stand-in for an absent nested object, built the way HF builds its default sub-config. */
    ConfigNode defaultChild(String key, ObjectNode json) {
        return new ConfigNode(source, path(key) + ".", json);
    }

    /** {@code torch_dtype}; transformers 5 saves it as {@code dtype}, which wins when both are set. */
    Optional<String> torchDtype() {
        Optional<String> dtype = optionalString("dtype");
        Optional<String> torchDtype = optionalString("torch_dtype");
        return dtype.or(() -> torchDtype);
    }

    /** The keys not read so far. */
    Extras extras() {
        Map<String, JsonNode> rest = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            if (!read.contains(e.getKey())) {
                rest.put(e.getKey(), e.getValue());
            }
        });
        return Extras.of(rest);
    }

    /**
     * Runs a record constructor; an invariant it rejects (which names only the record-relative field)
     * is rethrown with this file and the full JSON path.
     */
    <T> T build(Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (ConfigException e) {
            if (e.source().isPresent()) {
                throw e;
            }
            throw new ConfigException(source, path(e.field().orElse("")), e.problem(), e);
        }
    }

    private int asInt(String key, JsonNode v) {
        if (!v.isIntegralNumber()) {
            throw error(key, "expected an integer, got " + describe(v));
        }
        if (!v.canConvertToInt()) {
            throw error(key, "integer " + v + " is out of range");
        }
        return v.intValue();
    }

    private String asString(String key, JsonNode v) {
        if (!v.isTextual()) {
            throw error(key, "expected a string, got " + describe(v));
        }
        return v.textValue();
    }

    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        return switch (v.getNodeType()) {
            case STRING -> "string " + v;
            case NUMBER -> "number " + v;
            case BOOLEAN -> "boolean " + v;
            case NULL -> "null";
            case ARRAY -> "a list";
            case OBJECT -> "a JSON object";
            default -> v.getNodeType().toString().toLowerCase(Locale.ROOT);
        };
    }
}
