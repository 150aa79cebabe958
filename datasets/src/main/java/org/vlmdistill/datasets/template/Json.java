package org.vlmdistill.datasets.template;

import org.vlmdistill.core.text.JsonStrings;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * transformers' {@code tojson} filter: {@code json.dumps(x, ensure_ascii=False, indent=indent,
 * separators=separators, sort_keys=sort_keys)}. Unlike Jinja's own tojson it does not escape
 * {@code < > & '}; non-ASCII stays as is; separators default to {@code ", "} and {@code ": "}, or
 * {@code ","} between items when indenting.
 */
final class Json {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    private Json(String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    /**
     * @param indent     null for one line; a number of spaces (Long) or the indent string itself
     * @param separators null, or a two-item list: item separator, key separator
     */
    static String dumps(Object value, Object indent, Object separators, boolean sortKeys) {
        String indentText = switch (indent) {
            case null -> null;
            case Long n -> " ".repeat((int) Math.max(0, n));
            case String s -> s;
            default -> throw new RenderError("indent must be an int or a str, not " + Py.typeName(indent));
        };
        String item = indentText == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            List<Object> pair = Py.iterate(separators);
            if (pair.size() != 2) {
                throw new RenderError("separators must be an (item_separator, key_separator) pair");
            }
            item = Py.str(pair.get(0));
            key = Py.str(pair.get(1));
        }
        StringBuilder out = new StringBuilder();
        new Json(indentText, item, key, sortKeys).write(value, out, 0);
        return out.toString();
    }

    private void write(Object v, StringBuilder out, int level) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Py.floatRepr(d));
            case String s -> JsonStrings.quote(out, s);
            case PyRange r -> throw notSerializable(r);
            case List<?> list -> {
                if (list.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    out.append(i > 0 ? itemSeparator : "");
                    newline(out, level + 1);
                    write(list.get(i), out, level + 1);
                }
                newline(out, level);
                out.append(']');
            }
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                map.forEach((k, val) -> entries.add(new AbstractMap.SimpleEntry<>(keyString(k), val)));
                if (sortKeys) {
                    entries.sort((a, b) -> Py.compareCodePoints(a.getKey(), b.getKey()));
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : entries) {
                    out.append(first ? "" : itemSeparator);
                    newline(out, level + 1);
                    JsonStrings.quote(out, e.getKey());
                    out.append(keySeparator);
                    write(e.getValue(), out, level + 1);
                    first = false;
                }
                newline(out, level);
                out.append('}');
            }
            default -> throw notSerializable(v);
        }
    }

    private void newline(StringBuilder out, int level) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(level));
        }
    }

    /** json.dumps turns int, float, bool and None keys into strings; other keys are errors. */
    private static String keyString(Object k) {
        return switch (k) {
            case String s -> s;
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Py.floatRepr(d);
            case null -> "null";
            default -> throw new RenderError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
        };
    }

    private static RenderError notSerializable(Object v) {
        return new RenderError("Object of type " + Py.typeName(v) + " is not JSON serializable");
    }
}
