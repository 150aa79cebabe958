package org.vlmdistill.datasets.template;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python string formatting as templates use it: {@code 'Image %d' % i} (also the {@code format}
 * filter) and {@code '{}: {:.2f}'.format(a, b)}. Conversions s r d i f F e E g G x X o c and %.
 */
final class PyFormat {
    /** Stands for a None argument while the argument list is built ({@code List.of} refuses null). */
    private static final Object NONE = new Object();

    private PyFormat() {
    }

    /** {@code fmt % args}: a tuple gives the positional values, a dict the {@code %(name)s} ones. */
    static String percent(String fmt, Object args) {
        List<?> values = args instanceof PyTuple t ? t : List.of(args == null ? NONE : args);
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        StringBuilder out = new StringBuilder();
        int next = 0;
        int i = 0;
        while (i < fmt.length()) {
            char c = fmt.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= fmt.length()) {
                throw new RenderError("incomplete format");
            }
            Object value = null;
            boolean keyed = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (mapping == null) {
                    throw new RenderError("format requires a mapping");
                }
                String key = fmt.substring(i + 1, close);
                if (!Py.hasKey(mapping, key)) {
                    throw new RenderError(Py.repr(key));
                }
                value = Py.getitem(mapping, key);
                keyed = true;
                i = close + 1;
            }
            Spec spec = new Spec();
            while (i < fmt.length() && "-+ #0".indexOf(fmt.charAt(i)) >= 0) {
                spec.flag(fmt.charAt(i++));
            }
            int start = i;
            while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) {
                i++;
            }
            spec.width = i > start ? Integer.parseInt(fmt.substring(start, i)) : -1;
            if (i < fmt.length() && fmt.charAt(i) == '.') {
                start = ++i;
                while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) {
                    i++;
                }
                spec.precision = i > start ? Integer.parseInt(fmt.substring(start, i)) : 0;
            }
            while (i < fmt.length() && "hlL".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= fmt.length()) {
                throw new RenderError("incomplete format");
            }
            char conversion = fmt.charAt(i++);
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (!keyed) {
                if (mapping != null) {
                    value = mapping;
                } else {
                    if (next >= values.size()) {
                        throw new RenderError("not enough arguments for format string");
                    }
                    value = values.get(next++);
                }
            }
            if (value == NONE) {
                value = null;
            }
            spec.type = conversion;
            spec.align = spec.leftAlign ? '<' : 0;
            spec.zero &= !spec.leftAlign;
            spec.defaultRight = true;
            out.append(spec.apply(convertPercent(value, spec)));
        }
        if (mapping == null && next < values.size()) {
            throw new RenderError("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static String convertPercent(Object v, Spec spec) {
        return switch (spec.type) {
            case 's' -> truncate(Py.str(v), spec.precision);
            case 'r', 'a' -> truncate(Py.repr(v), spec.precision);
            case 'c' -> v instanceof String s ? s : Character.toString((int) Py.asLong(v));
            default -> number(v, spec, "%" + spec.type + " format: a real number is required, not " + Py.typeName(v));
        };
    }

    private static String truncate(String s, int precision) {
        return precision >= 0 && precision < s.length() ? s.substring(0, precision) : s;
    }

    /** {@code fmt.format(*args, **kwargs)}. */
    static String format(String fmt, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        int i = 0;
        while (i < fmt.length()) {
            char c = fmt.charAt(i);
            if (c == '{' && i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
                continue;
            }
            if (c == '}' && i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
                out.append('}');
                i += 2;
                continue;
            }
            if (c == '}') {
                throw new RenderError("Single '}' encountered in format string");
            }
            if (c != '{') {
                out.append(c);
                i++;
                continue;
            }
            int close = fmt.indexOf('}', i);
            if (close < 0) {
                throw new RenderError("Single '{' encountered in format string");
            }
            String field = fmt.substring(i + 1, close);
            i = close + 1;
            String specText = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                specText = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conversion = field.charAt(bang + 1);
                field = field.substring(0, bang);
            }
            int end = 0;
            while (end < field.length() && field.charAt(end) != '.' && field.charAt(end) != '[') {
                end++;
            }
            String head = field.substring(0, end);
            Object value;
            if (head.isEmpty()) {
                value = positional(args, auto++);
            } else if (head.chars().allMatch(Character::isDigit)) {
                value = positional(args, Integer.parseInt(head));
            } else {
                if (!kwargs.containsKey(head)) {
                    throw new RenderError(Py.repr(head));
                }
                value = kwargs.get(head);
            }
            value = accessors(value, field.substring(end));
            if (conversion == 'r' || conversion == 'a') {
                value = Py.repr(value);
            } else if (conversion == 's') {
                value = Py.str(value);
            }
            out.append(formatValue(value, Spec.parse(specText)));
        }
        return out.toString();
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) {
            throw new RenderError("Replacement index " + index + " out of range for positional args tuple");
        }
        return args.get(index);
    }

    private static Object accessors(Object value, String rest) {
        int i = 0;
        while (i < rest.length()) {
            if (rest.charAt(i) == '.') {
                int end = i + 1;
                while (end < rest.length() && rest.charAt(end) != '.' && rest.charAt(end) != '[') {
                    end++;
                }
                value = Py.getattr(value, rest.substring(i + 1, end));
                i = end;
            } else {
                int close = rest.indexOf(']', i);
                String key = rest.substring(i + 1, close);
                value = Py.getitem(value, key.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(key) : key);
                i = close + 1;
            }
        }
        return value;
    }

    private static String formatValue(Object v, Spec spec) {
        if (spec.type == 0 && !Py.isNumber(v)) {
            if (spec.precision >= 0 && v instanceof String s) {
                return spec.apply(truncate(s, spec.precision));
            }
            return spec.apply(Py.str(v));
        }
        if (spec.type == 's') {
            return spec.apply(truncate(Py.str(v), spec.precision));
        }
        if (spec.type == 0) {
            if (v instanceof Double d && spec.precision >= 0) {
                spec.type = 'g';
                spec.trimG = false;
            } else {
                spec.defaultRight = true;
                return spec.apply(signed(Py.repr(v instanceof Boolean b ? (Object) (b ? 1L : 0L) : v), Py.asDouble(v) < 0, spec));
            }
        }
        spec.defaultRight = true;
        return spec.apply(number(v, spec, "Unknown format code '" + spec.type + "' for object of type " + Py.repr(Py.typeName(v))));
    }

    private static String signed(String digits, boolean negative, Spec spec) {
        String body = negative && digits.startsWith("-") ? digits.substring(1) : digits;
        if (spec.grouping != 0) {
            int end = 0;
            while (end < body.length() && Character.isDigit(body.charAt(end))) {
                end++;
            }
            StringBuilder grouped = new StringBuilder();
            for (int i = 0; i < end; i++) {
                if (i > 0 && (end - i) % 3 == 0) {
                    grouped.append(spec.grouping);
                }
                grouped.append(body.charAt(i));
            }
            body = grouped + body.substring(end);
        }
        String sign = negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
        return sign + "\u0000" + body;
    }

    private static String number(Object v, Spec spec, String typeError) {
        if (!Py.isNumber(v)) {
            throw new RenderError(typeError);
        }
        double d = Py.asDouble(v);
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        String body = switch (spec.type) {
            case 'd', 'i', 'u' -> String.valueOf(Math.abs(v instanceof Double x ? (long) x.doubleValue() : Py.asLong(v)));
            case 'x', 'X' -> {
                String h = Long.toHexString(Math.abs(Py.asLong(v)));
                yield spec.type == 'X' ? h.toUpperCase(Locale.ROOT) : h;
            }
            case 'o' -> Long.toOctalString(Math.abs(Py.asLong(v)));
            case 'b' -> Long.toBinaryString(Math.abs(Py.asLong(v)));
            case 'f', 'F' -> fixed(Math.abs(d), spec.precision < 0 ? 6 : spec.precision);
            case '%' -> fixed(Math.abs(d) * 100, spec.precision < 0 ? 6 : spec.precision) + "%";
            case 'e', 'E' -> {
                String e = scientific(Math.abs(d), spec.precision < 0 ? 6 : spec.precision);
                yield spec.type == 'E' ? e.toUpperCase(Locale.ROOT) : e;
            }
            case 'g', 'G' -> {
                String g = general(Math.abs(d), spec.precision < 0 ? 6 : Math.max(1, spec.precision), spec.trimG);
                yield spec.type == 'G' ? g.toUpperCase(Locale.ROOT) : g;
            }
            default -> throw new RenderError("unsupported format character '" + spec.type + "'");
        };
        if (spec.type == 'd' && v instanceof Double) {
            negative = (long) d < 0;
        }
        return signed(body, negative, spec);
    }

    private static String fixed(double d, int precision) {
        if (Double.isInfinite(d)) {
            return "inf";
        }
        return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static String scientific(double d, int precision) {
        if (d == 0) {
            return "0" + (precision > 0 ? "." + "0".repeat(precision) : "") + "e+00";
        }
        BigDecimal bd = new BigDecimal(d).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
        int exponent = bd.precision() - bd.scale() - 1;
        String digits = bd.unscaledValue().toString();
        digits = (digits + "0".repeat(precision + 1)).substring(0, precision + 1);
        String mantissa = precision > 0 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }

    private static String general(double d, int precision, boolean trim) {
        if (d == 0) {
            return "0";
        }
        BigDecimal bd = new BigDecimal(d).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = bd.precision() - bd.scale() - 1;
        String s;
        if (exponent < -4 || exponent >= precision) {
            s = scientific(d, precision - 1);
            if (trim && s.contains(".")) {
                int e = s.indexOf('e');
                s = s.substring(0, e).replaceAll("0+$", "").replaceAll("\\.$", "") + s.substring(e);
            }
        } else {
            s = fixed(d, Math.max(0, precision - 1 - exponent));
            if (trim && s.contains(".")) {
                s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
        }
        return s;
    }

    /** A format spec; numbers come in as sign + NUL + digits so zero padding can go after the sign. */
    private static final class Spec {
        char fill = ' ';
        char align;
        boolean leftAlign;
        boolean plus;
        boolean space;
        boolean zero;
        int width = -1;
        int precision = -1;
        char type;
        boolean defaultRight;
        boolean trimG = true;
        /** ',' or '_' between thousands, 0 for none. */
        char grouping;

        void flag(char c) {
            switch (c) {
                case '-' -> leftAlign = true;
                case '+' -> plus = true;
                case ' ' -> space = true;
                case '0' -> zero = true;
                default -> { }
            }
        }

        static Spec parse(String text) {
            Spec s = new Spec();
            int i = 0;
            if (text.length() >= 2 && "<>^=".indexOf(text.charAt(1)) >= 0) {
                s.fill = text.charAt(0);
                s.align = text.charAt(1);
                i = 2;
            } else if (!text.isEmpty() && "<>^=".indexOf(text.charAt(0)) >= 0) {
                s.align = text.charAt(0);
                i = 1;
            }
            if (i < text.length() && "+- ".indexOf(text.charAt(i)) >= 0) {
                s.plus = text.charAt(i) == '+';
                s.space = text.charAt(i) == ' ';
                i++;
            }
            if (i < text.length() && text.charAt(i) == '0') {
                s.zero = true;
                i++;
            }
            int start = i;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
            }
            s.width = i > start ? Integer.parseInt(text.substring(start, i)) : -1;
            if (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == '_')) {
                s.grouping = text.charAt(i++);
            }
            if (i < text.length() && text.charAt(i) == '.') {
                start = ++i;
                while (i < text.length() && Character.isDigit(text.charAt(i))) {
                    i++;
                }
                s.precision = Integer.parseInt(text.substring(start, i));
            }
            if (i < text.length()) {
                s.type = text.charAt(i);
            }
            return s;
        }

        String apply(String value) {
            int nul = value.indexOf('\u0000');
            String sign = nul >= 0 ? value.substring(0, nul) : "";
            String body = nul >= 0 ? value.substring(nul + 1) : value;
            int length = (sign + body).codePointCount(0, (sign + body).length());
            if (width <= length) {
                return sign + body;
            }
            int pad = width - length;
            char a = align != 0 ? align : zero && nul >= 0 ? '=' : defaultRight ? '>' : '<';
            char f = align == 0 && zero && nul >= 0 ? '0' : fill;
            if (zero && nul >= 0 && align == 0) {
                a = '=';
            }
            String padding = String.valueOf(f).repeat(pad);
            return switch (a) {
                case '>' -> padding + sign + body;
                case '^' -> String.valueOf(f).repeat(pad / 2) + sign + body + String.valueOf(f).repeat(pad - pad / 2);
                case '=' -> sign + padding + body;
                default -> sign + body + padding;
            };
        }
    }
}
