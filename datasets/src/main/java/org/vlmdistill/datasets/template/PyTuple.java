package org.vlmdistill.datasets.template;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/** A Python tuple: a list that prints as {@code (a, b)} and never equals a list. */
final class PyTuple extends AbstractList<Object> implements RandomAccess {
    private final List<Object> items;

    PyTuple(List<Object> items) {
        this.items = items;
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
