package org.vlmdistill.datasets.template;

import org.vlmdistill.core.text.CodePointOrder;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics over the renderer's values: None is {@code null}, int is {@link Long}, float is
 * {@link Double}, bool is {@link Boolean} (and an int in arithmetic and equality, as in Python), str is
 * {@link String} (indexed by code point), list is {@link List}, tuple is {@link PyTuple}, dict is an
 * insertion-ordered {@link Map}. Error messages are Python's, since templates' failures are compared
 * with Jinja2's.
 */
final class Py {
    /** What findKey returns for an absent key (None is a valid key). */
    private static final Object NO_KEY = new Object();

    private Py() {
    }

    // ---- values coming in ----

    /** Context values to the renderer's types: Integer to Long, Float to Double, arrays and collections to lists. */
    static Object normalize(Object v) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean
                || v instanceof PyTuple || v instanceof Namespace || v instanceof JinjaCallable || v instanceof Undefined) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof BigInteger b) {
            return b.longValueExact();
        }
        if (v instanceof BigDecimal b) {
            return b.doubleValue();
        }
        if (v instanceof CharSequence || v instanceof Character) {
            return v.toString();
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(normalize(k), normalize(val)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(normalize(x)));
            return out;
        }
        if (v instanceof Object[] a) {
            return normalize(List.of(a));
        }
        if (v instanceof int[] a) {
            return normalize(java.util.Arrays.stream(a).boxed().toList());
        }
        if (v instanceof long[] a) {
            return normalize(java.util.Arrays.stream(a).boxed().toList());
        }
        return v;
    }

    // ---- type names, as Python and Jinja print them ----

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        return switch (v) {
            case Boolean _ -> "bool";
            case Long _ -> "int";
            case Double _ -> "float";
            case String _ -> "str";
            case PyTuple _ -> "tuple";
            case PyRange _ -> "range";
            case List<?> _ -> "list";
            case Map<?, ?> _ -> "dict";
            case Namespace _ -> "Namespace";
            case LoopContext _ -> "LoopContext";
            case Undefined _ -> "Undefined";
            case JinjaCallable _ -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    /** Jinja's object_type_repr, used in undefined messages: {@code dict object}, {@code None}. */
    static String objectTypeRepr(Object v) {
        if (v == null) {
            return "None";
        }
        return switch (v) {
            case Namespace _ -> "jinja2.utils.Namespace object";
            case LoopContext _ -> "jinja2.runtime.LoopContext object";
            case Undefined _ -> "jinja2.runtime.Undefined object";
            default -> typeName(v) + " object";
        };
    }

    // ---- str() and repr() ----

    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined) {
            return "";
        }
        return repr(v);
    }

    static String repr(Object v) {
        if (v == null) {
            return "None";
        }
        return switch (v) {
            case String s -> reprString(s);
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case PyRange r -> r.toString();
            case PyTuple t -> t.size() == 1 ? "(" + repr(t.get(0)) + ",)" : join(t, "(", ")");
            case List<?> l -> join(l, "[", "]");
            case Map<?, ?> m -> {
                StringBuilder sb = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    first = false;
                }
                yield sb.append('}').toString();
            }
            case Undefined _ -> "Undefined";
            default -> v.toString();
        };
    }

    private static String join(List<?> items, String open, String close) {
        StringBuilder sb = new StringBuilder(open);
        for (int i = 0; i < items.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(repr(items.get(i)));
        }
        return sb.append(close).toString();
    }

    /** Python's repr of a str: single quotes unless the text has ' and no ", escapes for the unprintable. */
    static String reprString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp < 0x100) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        });
        return sb.append(quote).toString();
    }

    /** Python's str.isprintable for one code point: not a control, format, separator (but space), or unassigned. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * Python's repr of a float: the shortest digits that round-trip (Java's Double.toString gives the
     * same digits since JDK 19, but never fewer than two), positional for exponents -4..15, else
     * {@code 1e+20} style.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        // Java writes at least two significant digits (4.9E-324) where one round-trips (5e-324)
        BigDecimal oneDigit = bd.round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
        if (bd.precision() == 2 && oneDigit.doubleValue() == d) {
            bd = oneDigit.stripTrailingZeros();
        }
        String digits = bd.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        String plain = bd.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    // ---- truth, equality, ordering ----

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        return switch (v) {
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return v instanceof Double d ? d : asLong(v);
    }

    /** Python ==: numbers across int/float/bool, lists and tuples never equal each other, deep for containers. */
    static boolean eq(Object a, Object b) {
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a == null || b == null) {
            return a == b;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) == asDouble(b);
            }
            return asLong(a) == asLong(b);
        }
        if (a instanceof String || b instanceof String) {
            return a.equals(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || (a instanceof PyRange) != (b instanceof PyRange)
                    || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object key = findKey(mb, e.getKey());
                if (key == NO_KEY || !eq(e.getValue(), mb.get(key))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** The key of {@code m} that equals {@code key} in Python's sense (1, 1.0 and True are one key). */
    private static Object findKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) {
            return key;
        }
        if (isNumber(key)) {
            for (Object k : m.keySet()) {
                if (isNumber(k) && eq(k, key)) {
                    return k;
                }
            }
        }
        return NO_KEY;
    }

    static boolean hasKey(Map<?, ?> m, Object key) {
        return findKey(m, key) != NO_KEY;
    }

    /** The key {@code m} already stores for {@code key} ({@code {1: 'a', true: 'b'}} has one key), else {@code key}. */
    static Object canonicalKey(Map<?, ?> m, Object key) {
        Object k = findKey(m, key);
        return k == NO_KEY ? key : k;
    }

    /** Python's {@code a op b} for == != < <= > >=. */
    static boolean compare(String op, Object a, Object b) {
        switch (op) {
            case "==" -> {
                return eq(a, b);
            }
            case "!=" -> {
                return !eq(a, b);
            }
            default -> {
                int c = order(op, a, b);
                return switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
            }
        }
    }

    private static int order(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return Double.compare(asDouble(a), asDouble(b)) == 0 ? 0 : asDouble(a) < asDouble(b) ? -1 : 1;
            }
            return Long.compare(asLong(a), asLong(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return compareCodePoints(sa, sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return order(op, la.get(i), lb.get(i));
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw new RenderError("'" + op + "' not supported between instances of " + repr(typeName(a)) + " and "
                + repr(typeName(b)));
    }

    static int compareCodePoints(String a, String b) {
        return CodePointOrder.compare(a, b);
    }

    /** Python's {@code item in container}. */
    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (!(item instanceof String sub)) {
                throw new RenderError("'in <string>' requires string as left operand, not " + typeName(item));
            }
            return s.contains(sub);
        }
        if (container instanceof Map<?, ?> m) {
            return hasKey(m, item);
        }
        if (container instanceof List<?> l) {
            for (Object x : l) {
                if (eq(x, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof Undefined || container instanceof Namespace) {
            return false;
        }
        throw new RenderError("argument of type " + repr(typeName(container)) + " is not iterable");
    }

    // ---- length, iteration ----

    static long len(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case Undefined _ -> 0;
            case null -> throw new RenderError("object of type 'NoneType' has no len()");
            default -> throw new RenderError("object of type " + repr(typeName(v)) + " has no len()");
        };
    }

    /** The items a for loop sees: list items, a string's characters, a dict's keys; undefined is empty. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> items = (List<Object>) l;
            return items;
        }
        if (v instanceof String s) {
            return s.codePoints().mapToObj(Character::toString).map(Object.class::cast).toList();
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        if (v instanceof Undefined) {
            return List.of();
        }
        if (v instanceof Iterator<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
        throw new RenderError(repr(typeName(v)) + " object is not iterable");
    }

    // ---- arithmetic ----

    static Object add(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) + asDouble(b);
            }
            return Math.addExact(asLong(a), asLong(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return sa + sb;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && !(a instanceof PyRange) && !(b instanceof PyRange)
                && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            List<Object> out = new ArrayList<>(la);
            out.addAll(lb);
            return a instanceof PyTuple ? new PyTuple(out) : out;
        }
        if (a instanceof String) {
            throw new RenderError("can only concatenate str (not " + quoted(typeName(b)) + ") to str");
        }
        if (a instanceof List<?> && !(a instanceof PyTuple) && !(a instanceof PyRange)) {
            throw new RenderError("can only concatenate list (not " + quoted(typeName(b)) + ") to list");
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) - asDouble(b);
            }
            return Math.subtractExact(asLong(a), asLong(b));
        }
        throw unsupported("-", a, b);
    }

    static Object mul(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) * asDouble(b);
            }
            return Math.multiplyExact(asLong(a), asLong(b));
        }
        if (isInteger(b) && (a instanceof String || a instanceof List)) {
            return repeat(a, asLong(b));
        }
        if (isInteger(a) && (b instanceof String || b instanceof List)) {
            return repeat(b, asLong(a));
        }
        throw unsupported("*", a, b);
    }

    private static Object repeat(Object seq, long times) {
        if (seq instanceof String s) {
            return times <= 0 ? "" : s.repeat((int) times);
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof PyTuple ? new PyTuple(out) : out;
    }

    static Object div(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (asDouble(b) == 0) {
                throw new RenderError(a instanceof Double || b instanceof Double ? "float division by zero" : "division by zero");
            }
            return asDouble(a) / asDouble(b);
        }
        throw unsupported("/", a, b);
    }

    static Object floordiv(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                if (asDouble(b) == 0) {
                    throw new RenderError("float floor division by zero");
                }
                return Math.floor(asDouble(a) / asDouble(b));
            }
            if (asLong(b) == 0) {
                throw new RenderError("integer division or modulo by zero");
            }
            return Math.floorDiv(asLong(a), asLong(b));
        }
        throw unsupported("//", a, b);
    }

    static Object mod(Object a, Object b) {
        failIfUndefined(a, b);
        if (a instanceof String s) {
            return PyFormat.percent(s, b);
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                double x = asDouble(a);
                double y = asDouble(b);
                if (y == 0) {
                    throw new RenderError("float modulo");
                }
                double r = x % y;
                return r != 0 && (r < 0) != (y < 0) ? r + y : r;
            }
            if (asLong(b) == 0) {
                throw new RenderError("integer division or modulo by zero");
            }
            return Math.floorMod(asLong(a), asLong(b));
        }
        throw unsupported("%", a, b);
    }

    static Object pow(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double || asLong(b) < 0) {
                return Math.pow(asDouble(a), asDouble(b));
            }
            return BigInteger.valueOf(asLong(a)).pow((int) asLong(b)).longValueExact();
        }
        throw unsupported("** or pow()", a, b);
    }

    static Object negate(Object a) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (a instanceof Double d) {
            return -d;
        }
        if (isInteger(a)) {
            return Math.negateExact(asLong(a));
        }
        throw new RenderError("bad operand type for unary -: " + repr(typeName(a)));
    }

    static Object plus(Object a) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (a instanceof Double) {
            return a;
        }
        if (isInteger(a)) {
            return asLong(a);
        }
        throw new RenderError("bad operand type for unary +: " + repr(typeName(a)));
    }

    private static void failIfUndefined(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
    }

    private static RenderError unsupported(String op, Object a, Object b) {
        return new RenderError("unsupported operand type(s) for " + op + ": " + repr(typeName(a)) + " and " + repr(typeName(b)));
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    // ---- strings, by code point as in Python ----

    /** Python's str.isspace for one character. */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
                || cp == 0x3000;
    }

    static boolean isAllSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return from < s.length();
    }

    /** str.strip(chars): {@code chars == null} strips whitespace. */
    static String strip(String s, String chars) {
        return lstrip(rstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!stripped(cp, chars)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!stripped(cp, chars)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    static String fromCodePoints(int[] cps, int from, int to) {
        return new String(cps, from, to - from);
    }

    // ---- attribute and item access (Jinja's sandboxed getattr / getitem) ----

    /** {@code obj.name}: a Python attribute (method) first, then the item of that name. */
    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        Object method = Methods.lookup(obj, name);
        if (method != null) {
            return method;
        }
        return switch (obj) {
            case Namespace ns -> ns.attributes.containsKey(name) ? ns.attributes.get(name) : Undefined.attribute(obj, name);
            case LoopContext loop -> loop.attribute(name);
            case Map<?, ?> m -> {
                Object key = findKey(m, name);
                yield key != NO_KEY ? m.get(key) : Undefined.attribute(obj, name);
            }
            case null, default -> Undefined.attribute(obj, name);
        };
    }

    /** {@code obj[key]}: the item first, then (for string keys) the attribute; missing gives undefined. */
    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = findKey(m, key);
            if (k != NO_KEY) {
                return m.get(k);
            }
        } else if ((obj instanceof List<?> || obj instanceof String) && isInteger(key)) {
            long size = len(obj);
            long i = asLong(key);
            if (i < 0) {
                i += size;
            }
            if (i >= 0 && i < size) {
                if (obj instanceof String s) {
                    return Character.toString(s.codePointAt(s.offsetByCodePoints(0, (int) i)));
                }
                return ((List<?>) obj).get((int) i);
            }
        }
        if (key instanceof String name) {
            Object method = Methods.lookup(obj, name);
            if (method != null) {
                return method;
            }
            if (obj instanceof Namespace ns && ns.attributes.containsKey(name)) {
                return ns.attributes.get(name);
            }
            if (obj instanceof LoopContext loop) {
                return loop.attribute(name);
            }
            return Undefined.attribute(obj, name);
        }
        return Undefined.element(obj, key);
    }

    /** Python slicing of a str, list or tuple, with negative and reversed steps. */
    static Object slice(Object obj, Object startArg, Object stopArg, Object stepArg) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        long step = stepArg == null ? 1 : sliceIndex(stepArg);
        if (step == 0) {
            throw new RenderError("slice step cannot be zero");
        }
        int[] cps = obj instanceof String s ? codePoints(s) : null;
        List<?> list = obj instanceof List<?> l ? l : null;
        if (cps == null && list == null) {
            return Undefined.element(obj, "slice");
        }
        long len = cps != null ? cps.length : list.size();
        long start;
        long stop;
        if (step > 0) {
            start = startArg == null ? 0 : clamp(sliceIndex(startArg), len, 0, len);
            stop = stopArg == null ? len : clamp(sliceIndex(stopArg), len, 0, len);
        } else {
            start = startArg == null ? len - 1 : clamp(sliceIndex(startArg), len, -1, len - 1);
            stop = stopArg == null ? -1 : clamp(sliceIndex(stopArg), len, -1, len - 1);
        }
        if (cps != null) {
            StringBuilder sb = new StringBuilder();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                sb.appendCodePoint(cps[(int) i]);
            }
            return sb.toString();
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(list.get((int) i));
        }
        return obj instanceof PyTuple ? new PyTuple(out) : out;
    }

    private static long sliceIndex(Object v) {
        if (!isInteger(v)) {
            throw new RenderError("slice indices must be integers or None or have an __index__ method");
        }
        return asLong(v);
    }

    private static long clamp(long i, long len, long lo, long hi) {
        if (i < 0) {
            i += len;
        }
        return Math.max(lo, Math.min(hi, i));
    }
}
