package org.vlmdistill.datasets.template;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The functions every chat template sees: Jinja's {@code range}, {@code dict}, {@code namespace}, and
 * transformers' {@code raise_exception} and {@code strftime_now}.
 */
final class Globals {
    private Globals() {
    }

    /** ImmutableSandboxedEnvironment's limit on range() length. */
    private static final long MAX_RANGE = 100_000;

    static void install(Scope scope) {
        scope.set("range", new JinjaCallable.Builtin("range", (in, a) -> range(a)));
        scope.set("dict", new JinjaCallable.Builtin("dict", (in, a) -> {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Object source : a.rest(0)) {
                if (!(source instanceof Map<?, ?> m)) {
                    throw new RenderError("dict() positional argument must be a mapping");
                }
                out.putAll(m);
            }
            out.putAll(a.keywords);
            return out;
        }));
        scope.set("namespace", new JinjaCallable.Builtin("namespace", (in, a) -> {
            Namespace ns = new Namespace();
            for (Object source : a.rest(0)) {
                if (!(source instanceof Map<?, ?> m)) {
                    throw new RenderError("namespace() positional argument must be a mapping");
                }
                m.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
            }
            ns.attributes.putAll(a.keywords);
            return ns;
        }));
        scope.set("raise_exception", new JinjaCallable.Builtin("raise_exception", (in, a) -> {
            Object message = a.required(0, "message");
            a.done();
            throw new RenderError(Py.str(message), true);
        }));
        scope.set("strftime_now", new JinjaCallable.Builtin("strftime_now", (in, a) -> {
            String format = Py.str(a.required(0, "format"));
            a.done();
            return strftime(format, LocalDateTime.now());
        }));
    }

    private static Object range(Args a) {
        List<Object> args = a.rest(0);
        if (!a.keywords.isEmpty()) {
            throw new RenderError("range() takes no keyword arguments");
        }
        for (Object x : args) {
            if (!Py.isInteger(x)) {
                throw new RenderError(Py.repr(Py.typeName(x)) + " object cannot be interpreted as an integer");
            }
        }
        long start = 0;
        long stop;
        long step = 1;
        switch (args.size()) {
            case 1 -> stop = Py.asLong(args.get(0));
            case 2 -> {
                start = Py.asLong(args.get(0));
                stop = Py.asLong(args.get(1));
            }
            case 3 -> {
                start = Py.asLong(args.get(0));
                stop = Py.asLong(args.get(1));
                step = Py.asLong(args.get(2));
            }
            default -> throw new RenderError("range expected at most 3 arguments, got " + args.size());
        }
        if (step == 0) {
            throw new RenderError("range() arg 3 must not be zero");
        }
        PyRange range = new PyRange(start, stop, step);
        if (range.size() > MAX_RANGE) {
            throw new RenderError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
        }
        return range;
    }

    /** C-locale strftime for the codes date-stamping templates use ({@code "%d %b %Y"}). */
    static String strftime(String format, LocalDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char code = format.charAt(++i);
            switch (code) {
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
                case 'e' -> out.append(String.format("%2d", t.getDayOfMonth()));
                case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
                case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
                case 'Y' -> out.append(t.getYear());
                case 'H' -> out.append(String.format("%02d", t.getHour()));
                case 'I' -> out.append(String.format("%02d", t.getHour() % 12 == 0 ? 12 : t.getHour() % 12));
                case 'M' -> out.append(String.format("%02d", t.getMinute()));
                case 'S' -> out.append(String.format("%02d", t.getSecond()));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
                case 'F' -> out.append(String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth()));
                case 'z', 'Z' -> { }
                case '%' -> out.append('%');
                default -> out.append('%').append(code);
            }
        }
        return out.toString();
    }
}
