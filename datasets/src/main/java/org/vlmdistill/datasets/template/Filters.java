package org.vlmdistill.datasets.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's built-in filters with their Jinja2 3.1 behaviour, plus transformers' {@code tojson}.
 * Filters that yield generators in Jinja ({@code select}, {@code map}, {@code unique}, ...) return
 * lists here: the same items wherever a template iterates them or pipes them on.
 * Not provided: {@code groupby}, {@code slice}, {@code striptags}, {@code urlize}, {@code urlencode},
 * {@code wordwrap}, {@code xmlattr}, {@code filesizeformat}, {@code pprint}, {@code random}; a template
 * naming one fails to parse with "No filter named ...".
 */
final class Filters {
    private Filters() {
    }

    private static final Set<String> NAMES = Set.of(
            "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
            "first", "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list",
            "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
            "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
            "wordcount");

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object apply(Interpreter in, String name, Object value, Args a) {
        return switch (name) {
            case "abs" -> {
                a.done();
                if (value instanceof Double d) {
                    yield Math.abs(d);
                }
                if (Py.isInteger(value)) {
                    yield Math.abs(Py.asLong(value));
                }
                throw badOperand("abs()", value);
            }
            case "attr" -> {
                String attr = Py.str(a.required(0, "name"));
                a.done();
                Object method = Methods.lookup(value, attr);
                if (method != null) {
                    yield method;
                }
                if (value instanceof Namespace ns && ns.attributes.containsKey(attr)) {
                    yield ns.attributes.get(attr);
                }
                yield value instanceof LoopContext loop ? loop.attribute(attr) : Undefined.attribute(value, attr);
            }
            case "batch" -> {
                long size = Py.asLong(a.required(0, "linecount"));
                boolean fill = a.has(1, "fill_with");
                Object filler = a.get(1, "fill_with", null);
                a.done();
                List<Object> out = new ArrayList<>();
                List<Object> current = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    if (current.size() == size) {
                        out.add(current);
                        current = new ArrayList<>();
                    }
                    current.add(item);
                }
                if (!current.isEmpty()) {
                    while (fill && current.size() < size) {
                        current.add(filler);
                    }
                    out.add(current);
                }
                yield out;
            }
            case "capitalize" -> {
                a.done();
                yield PyStrings.capitalize(Py.str(value));
            }
            case "center" -> {
                long width = Py.asLong(a.get(0, "width", 80L));
                a.done();
                yield PyStrings.pad(Py.str(value), width, " ", "center");
            }
            case "count", "length" -> {
                a.done();
                yield Py.len(value);
            }
            case "d", "default" -> {
                Object fallback = a.get(0, "default_value", "");
                boolean booleanMode = Py.truthy(a.get(1, "boolean", false));
                a.done();
                yield value instanceof Undefined || (booleanMode && !Py.truthy(value)) ? fallback : value;
            }
            case "dictsort" -> {
                boolean caseSensitive = Py.truthy(a.get(0, "case_sensitive", false));
                String by = Py.str(a.get(1, "by", "key"));
                boolean reverse = Py.truthy(a.get(2, "reverse", false));
                a.done();
                if (!(value instanceof Map<?, ?> m)) {
                    throw new RenderError("You can only sort by either 'key' or 'value'");
                }
                int pos = switch (by) {
                    case "key" -> 0;
                    case "value" -> 1;
                    default -> throw new RenderError("You can only sort by either 'key' or 'value'");
                };
                List<Object> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(new PyTuple(java.util.Arrays.asList(k, v))));
                sort(items, item -> caseFold(((List<?>) item).get(pos), caseSensitive), reverse);
                yield items;
            }
            case "e", "escape", "forceescape" -> {
                a.done();
                yield htmlEscape(Py.str(value));
            }
            case "first" -> {
                a.done();
                List<Object> items = Py.iterate(value);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                a.done();
                List<Object> items = Py.iterate(value);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "float" -> {
                Object fallback = a.get(0, "default", 0.0);
                a.done();
                Double d = toFloat(value);
                yield d != null ? d : fallback;
            }
            case "format" -> {
                if (!a.positional.isEmpty() && !a.keywords.isEmpty()) {
                    throw new RenderError("can't handle positional and keyword arguments at the same time");
                }
                Object args = a.keywords.isEmpty() ? new PyTuple(a.positional) : new LinkedHashMap<Object, Object>(a.keywords);
                yield PyFormat.percent(Py.str(value), args);
            }
            case "indent" -> {
                Object width = a.get(0, "width", 4L);
                boolean first = Py.truthy(a.get(1, "first", false));
                boolean blank = Py.truthy(a.get(2, "blank", false));
                a.done();
                yield indent(Py.str(value), width instanceof String s ? s : " ".repeat((int) Py.asLong(width)), first, blank);
            }
            case "int" -> {
                Object fallback = a.get(0, "default", 0L);
                long base = Py.asLong(a.get(1, "base", 10L));
                a.done();
                Long l = toInt(value, (int) base);
                yield l != null ? l : fallback;
            }
            case "items" -> {
                a.done();
                if (value instanceof Undefined) {
                    yield List.of();
                }
                if (!(value instanceof Map<?, ?> m)) {
                    throw new RenderError("Can only get item pairs from a mapping.");
                }
                List<Object> out = new ArrayList<>();
                m.forEach((k, v) -> out.add(new PyTuple(java.util.Arrays.asList(k, v))));
                yield out;
            }
            case "join" -> {
                String separator = Py.str(a.get(0, "d", ""));
                Object attribute = a.get(1, "attribute", null);
                a.done();
                Function<Object, Object> get = attribute == null ? x -> x : attrGetter(attribute, null);
                StringBuilder sb = new StringBuilder();
                boolean firstItem = true;
                for (Object item : Py.iterate(value)) {
                    sb.append(firstItem ? "" : separator).append(Py.str(get.apply(item)));
                    firstItem = false;
                }
                yield sb.toString();
            }
            case "list" -> {
                a.done();
                yield new ArrayList<>(Py.iterate(value));
            }
            case "lower" -> {
                a.done();
                yield Py.str(value).toLowerCase(Locale.ROOT);
            }
            case "upper" -> {
                a.done();
                yield Py.str(value).toUpperCase(Locale.ROOT);
            }
            case "map" -> map(in, value, a);
            case "max", "min" -> {
                boolean caseSensitive = Py.truthy(a.get(0, "case_sensitive", false));
                Object attribute = a.get(1, "attribute", null);
                a.done();
                List<Object> items = Py.iterate(value);
                if (items.isEmpty()) {
                    yield new Undefined("No aggregated item, sequence was empty.");
                }
                Function<Object, Object> get = attribute == null ? x -> x : attrGetter(attribute, null);
                Object best = items.get(0);
                for (Object item : items.subList(1, items.size())) {
                    Object k = caseFold(get.apply(item), caseSensitive);
                    Object bk = caseFold(get.apply(best), caseSensitive);
                    if (name.equals("max") ? Py.compare(">", k, bk) : Py.compare("<", k, bk)) {
                        best = item;
                    }
                }
                yield best;
            }
            case "select", "reject", "selectattr", "rejectattr" -> selectOrReject(in, name, value, a);
            case "replace" -> {
                String old = Py.str(a.required(0, "old"));
                String replacement = Py.str(a.required(1, "new"));
                Object count = a.get(2, "count", null);
                a.done();
                yield PyStrings.replace(Py.str(value), old, replacement, count == null ? -1 : Py.asLong(count));
            }
            case "reverse" -> {
                a.done();
                if (value instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> items = new ArrayList<>(Py.iterate(value));
                java.util.Collections.reverse(items);
                yield items;
            }
            case "round" -> {
                long precision = Py.asLong(a.get(0, "precision", 0L));
                String method = Py.str(a.get(1, "method", "common"));
                a.done();
                yield round(value, precision, method);
            }
            case "safe" -> {
                a.done();
                yield value;
            }
            case "sort" -> {
                boolean reverse = Py.truthy(a.get(0, "reverse", false));
                boolean caseSensitive = Py.truthy(a.get(1, "case_sensitive", false));
                Object attribute = a.get(2, "attribute", null);
                a.done();
                List<Object> items = new ArrayList<>(Py.iterate(value));
                Function<Object, Object> get = attribute == null ? x -> x : attrGetter(attribute, null);
                sort(items, item -> caseFold(get.apply(item), caseSensitive), reverse);
                yield items;
            }
            case "string" -> {
                a.done();
                yield Py.str(value);
            }
            case "sum" -> {
                Object attribute = a.get(0, "attribute", null);
                Object total = a.get(1, "start", 0L);
                a.done();
                Function<Object, Object> get = attribute == null ? x -> x : attrGetter(attribute, null);
                for (Object item : Py.iterate(value)) {
                    total = Py.add(total, get.apply(item));
                }
                yield total;
            }
            case "title" -> {
                a.done();
                yield title(Py.str(value));
            }
            case "tojson" -> {
                Object ensureAscii = a.get(0, "ensure_ascii", false);
                Object indent = a.get(1, "indent", null);
                Object separators = a.get(2, "separators", null);
                boolean sortKeys = Py.truthy(a.get(3, "sort_keys", false));
                a.done();
                if (Py.truthy(ensureAscii)) {
                    throw new RenderError("tojson(ensure_ascii=True) is not supported");
                }
                yield Json.dumps(value, indent, separators, sortKeys);
            }
            case "trim" -> {
                Object chars = a.get(0, "chars", null);
                a.done();
                yield Py.strip(Py.str(value), chars == null ? null : Py.str(chars));
            }
            case "truncate" -> {
                long length = Py.asLong(a.get(0, "length", 255L));
                boolean killwords = Py.truthy(a.get(1, "killwords", false));
                String end = Py.str(a.get(2, "end", "..."));
                Object leeway = a.get(3, "leeway", null);
                a.done();
                yield truncate(Py.str(value), length, killwords, end, leeway == null ? 5 : Py.asLong(leeway));
            }
            case "unique" -> {
                boolean caseSensitive = Py.truthy(a.get(0, "case_sensitive", false));
                Object attribute = a.get(1, "attribute", null);
                a.done();
                Function<Object, Object> get = attribute == null ? x -> x : attrGetter(attribute, null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    Object key = caseFold(get.apply(item), caseSensitive);
                    if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
                        seen.add(key);
                        out.add(item);
                    }
                }
                yield out;
            }
            case "wordcount" -> {
                a.done();
                Matcher m = WORD.matcher(Py.str(value));
                long n = 0;
                while (m.find()) {
                    n++;
                }
                yield n;
            }
            default -> throw new RenderError("No filter named " + Py.repr(name) + ".");
        };
    }

    /** {@code map('filter', args...)} or {@code map(attribute='a.b', default=x)}. */
    private static Object map(Interpreter in, Object value, Args a) {
        Function<Object, Object> f;
        if (a.positional.isEmpty() && a.keywords.containsKey("attribute")) {
            Object attribute = a.keywords.get("attribute");
            Object fallback = a.keywords.get("default");
            for (String k : a.keywords.keySet()) {
                if (!k.equals("attribute") && !k.equals("default")) {
                    throw new RenderError("Unexpected keyword argument " + Py.repr(k));
                }
            }
            f = attrGetter(attribute, fallback);
        } else {
            if (a.positional.isEmpty()) {
                throw new RenderError("map requires a filter argument");
            }
            String filter = Py.str(a.positional.get(0));
            List<Object> rest = a.positional.subList(1, a.positional.size());
            f = item -> in.callFilter(filter, item, rest, a.keywords);
        }
        List<Object> out = new ArrayList<>();
        if (Py.truthy(value)) {
            for (Object item : Py.iterate(value)) {
                out.add(f.apply(item));
            }
        }
        return out;
    }

    /** select/reject by a test (or truthiness), selectattr/rejectattr on an attribute of each item. */
    private static Object selectOrReject(Interpreter in, String name, Object value, Args a) {
        boolean onAttribute = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        int offset = onAttribute ? 1 : 0;
        if (onAttribute && a.positional.isEmpty()) {
            throw new RenderError("Missing parameter for attribute name");
        }
        Function<Object, Object> transform = onAttribute ? attrGetter(a.positional.get(0), null) : x -> x;
        Function<Object, Boolean> test;
        if (a.positional.size() > offset) {
            String testName = Py.str(a.positional.get(offset));
            List<Object> rest = a.positional.subList(offset + 1, a.positional.size());
            test = item -> in.callTest(testName, item, rest, a.keywords);
        } else {
            test = Py::truthy;
        }
        List<Object> out = new ArrayList<>();
        if (Py.truthy(value)) {
            for (Object item : Py.iterate(value)) {
                if (test.apply(transform.apply(item)) == keep) {
                    out.add(item);
                }
            }
        }
        return out;
    }

    /** Jinja's make_attrgetter: {@code 'a.b.0'} looks up a, then b, then item 0, each like {@code x[part]}. */
    static Function<Object, Object> attrGetter(Object attribute, Object fallback) {
        List<Object> parts = new ArrayList<>();
        if (attribute instanceof String s) {
            for (String part : s.split("\\.", -1)) {
                parts.add(!part.isEmpty() && part.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(part) : part);
            }
        } else {
            parts.add(attribute);
        }
        return item -> {
            Object v = item;
            for (Object part : parts) {
                v = Py.getitem(v, part);
            }
            return fallback != null && v instanceof Undefined ? fallback : v;
        };
    }

    private static Object caseFold(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    private static void sort(List<Object> items, Function<Object, Object> key, boolean reverse) {
        Comparator<Object> order = (x, y) -> {
            Object kx = key.apply(x);
            Object ky = key.apply(y);
            return Py.compare("<", kx, ky) ? -1 : Py.compare("<", ky, kx) ? 1 : 0;
        };
        items.sort(reverse ? order.reversed() : order);
    }

    private static String htmlEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Jinja's do_title: capitalize each word, words starting after '-', whitespace or an opening bracket. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        while (m.find()) {
            appendTitled(sb, s.substring(last, m.start()));
            sb.append(m.group());
            last = m.end();
        }
        appendTitled(sb, s.substring(last));
        return sb.toString();
    }

    private static void appendTitled(StringBuilder sb, String item) {
        if (!item.isEmpty()) {
            int first = item.codePointAt(0);
            sb.append(Character.toString(first).toUpperCase(Locale.ROOT))
                    .append(item.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
        }
    }

    private static String indent(String s, String indention, boolean first, boolean blank) {
        List<Object> lines = PyStrings.splitlines(s + "\n", false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                rv.append(i > 0 ? "\n" + indention : "").append(lines.get(i));
            }
        } else {
            rv.append(lines.isEmpty() ? "" : lines.get(0));
            for (Object line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                rv.append('\n').append(((String) line).isEmpty() ? "" : indention + line);
            }
        }
        return first ? indention + rv : rv.toString();
    }

    /** int(x) with Jinja's fallbacks: a string in the given base, else through float ("4.7" gives 4); null if neither. */
    private static Long toInt(Object v, int base) {
        if (v instanceof String s) {
            String t = Py.strip(s, null).replace("_", "").toLowerCase(Locale.ROOT);
            boolean negative = t.startsWith("-");
            if (negative || t.startsWith("+")) {
                t = t.substring(1);
            }
            String prefix = base == 16 ? "0x" : base == 8 ? "0o" : base == 2 ? "0b" : null;
            if (prefix != null && t.startsWith(prefix)) {
                t = t.substring(2);
            }
            try {
                long l = Long.parseLong(t, base);
                return negative ? -l : l;
            } catch (NumberFormatException e) {
                Double d = toFloat(v);
                return d == null || d.isNaN() || d.isInfinite() ? null : (long) d.doubleValue();
            }
        }
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? null : (long) d.doubleValue();
        }
        return Py.isInteger(v) ? Py.asLong(v) : null;
    }

    private static Double toFloat(Object v) {
        if (Py.isNumber(v)) {
            return Py.asDouble(v);
        }
        if (v instanceof String s) {
            String t = Py.strip(s, null).replace("_", "").toLowerCase(Locale.ROOT);
            switch (t) {
                case "inf", "+inf", "infinity", "+infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-inf", "-infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                case "nan", "+nan", "-nan" -> {
                    return Double.NaN;
                }
                default -> { }
            }
            if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                return null;
            }
            return Double.parseDouble(t);
        }
        return null;
    }

    /** Python round(x, n): ties to even on the exact binary value; an int stays an int. */
    private static Object round(Object value, long precision, String method) {
        if (!Py.isNumber(value)) {
            throw new RenderError("type " + Py.typeName(value) + " doesn't define __round__ method");
        }
        switch (method) {
            case "common" -> {
                if (Py.isInteger(value)) {
                    long l = Py.asLong(value);
                    return precision >= 0 ? l : new BigDecimal(l).setScale((int) precision, RoundingMode.HALF_EVEN).longValue();
                }
                double d = (Double) value;
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    return d;
                }
                return new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            }
            case "ceil", "floor" -> {
                double scale = Math.pow(10, precision);
                double scaled = Py.asDouble(value) * scale;
                return (method.equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled)) / scale;
            }
            default -> throw new RenderError("method must be common, ceil or floor");
        }
    }

    private static String truncate(String s, long length, boolean killwords, String end, long leeway) {
        long endLength = Py.len(end);
        if (length < endLength) {
            throw new RenderError("expected length >= " + endLength + ", got " + length);
        }
        if (Py.len(s) <= length + leeway) {
            return s;
        }
        int[] cps = Py.codePoints(s);
        String head = Py.fromCodePoints(cps, 0, (int) (length - endLength));
        if (killwords) {
            return head + end;
        }
        return PyStrings.rsplit(head, " ", 1).get(0) + end;
    }

    private static RenderError badOperand(String op, Object v) {
        return new RenderError("bad operand type for " + op + ": " + Py.repr(Py.typeName(v)));
    }
}
