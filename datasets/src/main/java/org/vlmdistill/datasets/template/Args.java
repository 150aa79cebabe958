package org.vlmdistill.datasets.template;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python argument binding for builtins: the i-th parameter comes from the i-th positional argument or
 * from the keyword of its name, else its default. {@link #done()} rejects leftovers, as Python does.
 */
final class Args {
    private static final Object MISSING = new Object();

    private final String function;
    final List<Object> positional;
    final Map<String, Object> keywords;
    private final Set<String> used = new HashSet<>();
    private int maxPositional;

    Args(String function, List<Object> positional, Map<String, Object> keywords) {
        this.function = function;
        this.positional = positional;
        this.keywords = keywords;
    }

    /** Parameter {@code index} named {@code name}, or {@code fallback} when not given. */
    Object get(int index, String name, Object fallback) {
        maxPositional = Math.max(maxPositional, index + 1);
        if (index < positional.size()) {
            if (keywords.containsKey(name)) {
                throw new RenderError(function + "() got multiple values for argument " + Py.repr(name));
            }
            return positional.get(index);
        }
        if (keywords.containsKey(name)) {
            used.add(name);
            return keywords.get(name);
        }
        return fallback;
    }

    /** A required parameter. */
    Object required(int index, String name) {
        Object v = get(index, name, MISSING);
        if (v == MISSING) {
            throw new RenderError(function + "() missing required argument " + Py.repr(name));
        }
        return v;
    }

    boolean has(int index, String name) {
        return index < positional.size() || keywords.containsKey(name);
    }

    /** Positional arguments from {@code from} on, for {@code *args} parameters. */
    List<Object> rest(int from) {
        maxPositional = Integer.MAX_VALUE;
        return from < positional.size() ? positional.subList(from, positional.size()) : List.of();
    }

    Args done() {
        if (positional.size() > maxPositional) {
            throw new RenderError(function + "() takes at most " + maxPositional + " positional arguments ("
                    + positional.size() + " given)");
        }
        for (String k : keywords.keySet()) {
            if (!used.contains(k)) {
                throw new RenderError(function + "() got an unexpected keyword argument " + Py.repr(k));
            }
        }
        return this;
    }
}
