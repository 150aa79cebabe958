package org.vlmdistill.datasets.template;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a render. Lookups walk outwards; assignments stay in the scope
 * they are made in: a for-loop iteration, a macro call and a generation block each get a child, so
 * {@code {% set %}} inside them is gone afterwards (hence {@code namespace()}).
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Scope child() {
        return new Scope(this);
    }

    /** The value, or an undefined naming the variable; a stored None is a value. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        return Undefined.named(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
