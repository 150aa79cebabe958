package org.vlmdistill.datasets.template;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's built-in tests ({@code x is defined}, {@code x is string}, {@code x is divisibleby 3}, ...).
 * As in Python, {@code true is number} holds (bool is an int) but {@code true is integer} does not,
 * and {@code 0 is false} does not ({@code false} means "is the value False").
 */
final class Tests {
    private Tests() {
    }

    private static final Set<String> NAMES = Set.of(
            "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
            "mapping", "sequence", "iterable", "callable", "sameas", "escaped", "odd", "even", "divisibleby",
            "lower", "upper", "in", "filter", "test",
            "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=");

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static boolean apply(String name, Object v, Args a) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "number" -> Py.isNumber(v);
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map<?, ?>;
            // Python: anything with len() and __getitem__ (str, list, tuple, dict; undefined too)
            case "sequence" -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "iterable" -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "callable" -> v instanceof JinjaCallable;
            case "sameas" -> sameAs(v, a.required(0, "other"));
            case "escaped" -> false;
            case "odd" -> Py.eq(Py.mod(v, 2L), 1L);
            case "even" -> Py.eq(Py.mod(v, 2L), 0L);
            case "divisibleby" -> Py.eq(Py.mod(v, a.required(0, "num")), 0L);
            case "lower" -> {
                String s = Py.str(v);
                yield s.equals(s.toLowerCase(java.util.Locale.ROOT)) && s.codePoints().anyMatch(Character::isLowerCase);
            }
            case "upper" -> {
                String s = Py.str(v);
                yield s.equals(s.toUpperCase(java.util.Locale.ROOT)) && s.codePoints().anyMatch(Character::isUpperCase);
            }
            case "in" -> Py.contains(a.required(0, "seq"), v);
            case "filter" -> v instanceof String s && Filters.exists(s);
            case "test" -> v instanceof String s && exists(s);
            case "eq", "equalto", "==" -> Py.compare("==", v, a.required(0, "other"));
            case "ne", "!=" -> Py.compare("!=", v, a.required(0, "other"));
            case "lt", "lessthan", "<" -> Py.compare("<", v, a.required(0, "other"));
            case "le", "<=" -> Py.compare("<=", v, a.required(0, "other"));
            case "gt", "greaterthan", ">" -> Py.compare(">", v, a.required(0, "other"));
            case "ge", ">=" -> Py.compare(">=", v, a.required(0, "other"));
            default -> throw new RenderError("No test named " + Py.repr(name) + ".");
        };
    }

    /**
     * Python's {@code is}: None, True and False are singletons, and equal small ints and string
     * constants are in practice the same objects; containers compare by identity.
     */
    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == b || (a instanceof Boolean && a.equals(b));
        }
        if (a instanceof Long x && b instanceof Long y) {
            return x.equals(y) && x >= -5 && x <= 256;
        }
        if (a instanceof String && b instanceof String) {
            return a.equals(b);
        }
        return a == b;
    }
}
