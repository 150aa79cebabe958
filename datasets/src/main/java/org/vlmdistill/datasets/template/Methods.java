package org.vlmdistill.datasets.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates call on values: str methods ({@code .startswith}, {@code .split},
 * {@code .strip}, ...), dict's {@code items/keys/values/get}, list's {@code index/count}. The mutating
 * list and dict methods exist but, as in Jinja's ImmutableSandboxedEnvironment, resolve to an
 * undefined that fails with "access to attribute ... is unsafe." when called.
 */
final class Methods {
    private Methods() {
    }

    private static final Set<String> STR = Set.of(
            "startswith", "endswith", "split", "rsplit", "splitlines", "strip", "lstrip", "rstrip", "upper", "lower",
            "title", "capitalize", "swapcase", "casefold", "replace", "find", "rfind", "index", "rindex", "count", "join",
            "format", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "islower", "isupper",
            "istitle", "zfill", "center", "ljust", "rjust", "partition", "rpartition", "removeprefix", "removesuffix");
    private static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy");
    private static final Set<String> DICT_MUTATING = Set.of("clear", "pop", "popitem", "setdefault", "update");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_MUTATING = Set.of("append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort");

    /** The method {@code name} of {@code obj}, an unsafe-undefined for mutators, or null if there is none. */
    static Object lookup(Object obj, String name) {
        if (obj instanceof String && STR.contains(name)) {
            return new JinjaCallable.BoundMethod(obj, name);
        }
        if (obj instanceof Map<?, ?>) {
            if (DICT.contains(name)) {
                return new JinjaCallable.BoundMethod(obj, name);
            }
            if (DICT_MUTATING.contains(name)) {
                return Undefined.unsafe(obj, name);
            }
        }
        if (obj instanceof List<?> && !(obj instanceof PyRange)) {
            if (LIST.contains(name) || (obj instanceof PyTuple && name.equals("count"))) {
                return new JinjaCallable.BoundMethod(obj, name);
            }
            if (!(obj instanceof PyTuple) && LIST_MUTATING.contains(name)) {
                return Undefined.unsafe(obj, name);
            }
        }
        return null;
    }

    static Object invoke(Interpreter in, Object self, String name, Args a) {
        return switch (self) {
            case String s -> stringMethod(s, name, a);
            case Map<?, ?> m -> dictMethod(m, name, a);
            case LoopContext loop -> name.equals("cycle") ? loop.cycle(a.rest(0)) : loop.changed(a.rest(0));
            case List<?> l -> listMethod(l, name, a);
            default -> throw new RenderError("no method " + name);
        };
    }

    private static Object dictMethod(Map<?, ?> m, String name, Args a) {
        return switch (name) {
            case "items" -> {
                a.done();
                List<Object> out = new ArrayList<>();
                m.forEach((k, v) -> out.add(new PyTuple(java.util.Arrays.asList(k, v))));
                yield out;
            }
            case "keys" -> {
                a.done();
                yield new ArrayList<Object>(m.keySet());
            }
            case "values" -> {
                a.done();
                yield new ArrayList<Object>(m.values());
            }
            case "get" -> {
                Object key = a.required(0, "key");
                Object fallback = a.get(1, "default", null);
                a.done();
                yield Py.hasKey(m, key) ? Py.getitem(m, key) : fallback;
            }
            default -> {
                a.done();
                yield new java.util.LinkedHashMap<Object, Object>(m);
            }
        };
    }

    private static Object listMethod(List<?> l, String name, Args a) {
        return switch (name) {
            case "index" -> {
                Object x = a.required(0, "value");
                a.done();
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        yield (long) i;
                    }
                }
                throw new RenderError(Py.repr(x) + " is not in list");
            }
            case "count" -> {
                Object x = a.required(0, "value");
                a.done();
                yield l.stream().filter(v -> Py.eq(v, x)).count();
            }
            default -> {
                a.done();
                yield new ArrayList<Object>(l);
            }
        };
    }

    private static String str(Object v, String method) {
        if (!(v instanceof String s)) {
            throw new RenderError(method + " arg must be None or str, not " + Py.typeName(v));
        }
        return s;
    }

    private static String optStr(Args a, int i, String name, String method) {
        Object v = a.get(i, name, null);
        return v == null ? null : str(v, method);
    }

    private static Object stringMethod(String s, String name, Args a) {
        switch (name) {
            case "startswith", "endswith" -> {
                Object prefix = a.required(0, "prefix");
                int[] cps = Py.codePoints(s);
                int start = (int) bound(a.get(1, "start", null), cps.length, 0);
                int end = (int) bound(a.get(2, "end", null), cps.length, cps.length);
                a.done();
                String window = start <= end ? Py.fromCodePoints(cps, start, end) : null;
                List<Object> options = prefix instanceof PyTuple t ? t : List.of(prefix);
                for (Object p : options) {
                    if (!(p instanceof String ps)) {
                        throw new RenderError(name + " first arg must be str or a tuple of str, not " + Py.typeName(p));
                    }
                    if (window != null && (name.equals("startswith") ? window.startsWith(ps) : window.endsWith(ps))) {
                        return true;
                    }
                }
                return false;
            }
            case "split", "rsplit" -> {
                String sep = optStr(a, 0, "sep", name);
                long maxsplit = Py.asLong(a.get(1, "maxsplit", -1L));
                a.done();
                return name.equals("split") ? PyStrings.split(s, sep, maxsplit) : PyStrings.rsplit(s, sep, maxsplit);
            }
            case "splitlines" -> {
                boolean keepends = Py.truthy(a.get(0, "keepends", false));
                a.done();
                return PyStrings.splitlines(s, keepends);
            }
            case "strip" -> {
                String chars = optStr(a, 0, "chars", name);
                a.done();
                return Py.strip(s, chars);
            }
            case "lstrip" -> {
                String chars = optStr(a, 0, "chars", name);
                a.done();
                return Py.lstrip(s, chars);
            }
            case "rstrip" -> {
                String chars = optStr(a, 0, "chars", name);
                a.done();
                return Py.rstrip(s, chars);
            }
            case "upper" -> {
                a.done();
                return s.toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                a.done();
                return s.toLowerCase(Locale.ROOT);
            }
            case "casefold" -> {
                a.done();
                return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
            }
            case "swapcase" -> {
                a.done();
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(cp -> sb.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                        : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
                return sb.toString();
            }
            case "title" -> {
                a.done();
                return PyStrings.title(s);
            }
            case "capitalize" -> {
                a.done();
                return PyStrings.capitalize(s);
            }
            case "replace" -> {
                String old = str(a.required(0, "old"), name);
                String replacement = str(a.required(1, "new"), name);
                long count = Py.asLong(a.get(2, "count", -1L));
                a.done();
                return PyStrings.replace(s, old, replacement, count);
            }
            case "find", "rfind", "index", "rindex" -> {
                String sub = str(a.required(0, "sub"), name);
                a.done();
                int at = name.startsWith("r") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (at < 0 && name.endsWith("index")) {
                    throw new RenderError("substring not found");
                }
                return at < 0 ? -1L : (long) s.codePointCount(0, at);
            }
            case "count" -> {
                String sub = str(a.required(0, "sub"), name);
                a.done();
                return PyStrings.count(s, sub);
            }
            case "join" -> {
                Object iterable = a.required(0, "iterable");
                a.done();
                List<String> parts = new ArrayList<>();
                int i = 0;
                for (Object item : Py.iterate(iterable)) {
                    if (!(item instanceof String part)) {
                        throw new RenderError("sequence item " + i + ": expected str instance, " + Py.typeName(item) + " found");
                    }
                    parts.add(part);
                    i++;
                }
                return String.join(s, parts);
            }
            case "format" -> {
                return PyFormat.format(s, a.positional, a.keywords);
            }
            case "isdigit", "isdecimal", "isnumeric" -> {
                a.done();
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            }
            case "isalpha" -> {
                a.done();
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            }
            case "isalnum" -> {
                a.done();
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            }
            case "isspace" -> {
                a.done();
                return !s.isEmpty() && s.codePoints().allMatch(Py::isSpace);
            }
            case "islower", "isupper" -> {
                a.done();
                boolean cased = false;
                for (int cp : Py.codePoints(s)) {
                    if (name.equals("islower") ? Character.isUpperCase(cp) || Character.isTitleCase(cp) : Character.isLowerCase(cp) || Character.isTitleCase(cp)) {
                        return false;
                    }
                    cased |= Character.isUpperCase(cp) || Character.isLowerCase(cp);
                }
                return cased;
            }
            case "istitle" -> {
                a.done();
                return !s.isEmpty() && PyStrings.title(s).equals(s) && s.codePoints().anyMatch(Character::isLetter);
            }
            case "zfill" -> {
                long width = Py.asLong(a.required(0, "width"));
                a.done();
                long pad = width - Py.len(s);
                if (pad <= 0) {
                    return s;
                }
                boolean signed = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
                return signed ? s.charAt(0) + "0".repeat((int) pad) + s.substring(1) : "0".repeat((int) pad) + s;
            }
            case "center", "ljust", "rjust" -> {
                long width = Py.asLong(a.required(0, "width"));
                String fill = (String) a.get(1, "fillchar", " ");
                a.done();
                return PyStrings.pad(s, width, fill, name);
            }
            case "partition", "rpartition" -> {
                String sep = str(a.required(0, "sep"), name);
                a.done();
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    return name.equals("partition") ? new PyTuple(List.of(s, "", "")) : new PyTuple(List.of("", "", s));
                }
                return new PyTuple(List.of(s.substring(0, at), sep, s.substring(at + sep.length())));
            }
            case "removeprefix" -> {
                String p = str(a.required(0, "prefix"), name);
                a.done();
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = str(a.required(0, "suffix"), name);
                a.done();
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            default -> throw new RenderError("str has no method " + name);
        }
    }

    /** A start/end argument of str.startswith: Python slice bounds, None meaning the default. */
    private static long bound(Object v, int len, int fallback) {
        if (v == null) {
            return fallback;
        }
        long i = Py.asLong(v);
        if (i < 0) {
            i += len;
        }
        return Math.max(0, Math.min(len, i));
    }
}
