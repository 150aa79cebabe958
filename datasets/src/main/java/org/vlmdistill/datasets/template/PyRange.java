package org.vlmdistill.datasets.template;

import java.util.AbstractList;
import java.util.RandomAccess;

/** {@code range(start, stop, step)}, lazily; prints as Python's {@code range(0, 3)}. */
final class PyRange extends AbstractList<Object> implements RandomAccess {
    final long start;
    final long stop;
    final long step;
    private final int size;

    PyRange(long start, long stop, long step) {
        this.start = start;
        this.stop = stop;
        this.step = step;
        long n = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        this.size = (int) Math.max(0, n);
    }

    @Override
    public Object get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return start + index * step;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step != 1 ? ", " + step : "") + ")";
    }
}
