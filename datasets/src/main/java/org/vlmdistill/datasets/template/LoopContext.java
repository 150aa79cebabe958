package org.vlmdistill.datasets.template;

import java.util.List;

/**
 * The {@code loop} variable of a for loop: index counts from 1, index0 from 0, revindex down to 1,
 * first/last, length, previtem/nextitem (undefined at the ends), cycle(...) and changed(...).
 */
final class LoopContext {
    private final List<Object> items;
    int index0;
    /** The value {@code changed()} last saw; a fresh loop has seen nothing. */
    private Object lastChanged = NOTHING;

    private static final Object NOTHING = new Object();

    LoopContext(List<Object> items) {
        this.items = items;
    }

    Object attribute(String name) {
        int length = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (length - index0);
            case "revindex0" -> (long) (length - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == length - 1;
            case "length" -> (long) length;
            // depth counts recursive-loop levels; a plain nested for is a new loop at depth 1
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 + 1 < length ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle", "changed" -> new JinjaCallable.BoundMethod(this, name);
            default -> Undefined.attribute(this, name);
        };
    }

    Object cycle(List<Object> args) {
        if (args.isEmpty()) {
            throw new RenderError("no items for cycling given");
        }
        return args.get(index0 % args.size());
    }

    boolean changed(List<Object> args) {
        Object value = args.size() == 1 ? args.get(0) : new PyTuple(args);
        if (lastChanged == NOTHING || !Py.eq(value, lastChanged)) {
            lastChanged = value;
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
