package org.vlmdistill.vlmd.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;
import java.util.Locale;

/**
 * The open arrays a manager and its sub-managers hold: their count and the bytes of their shapes. Views
 * (reshape, transpose) share storage with their base, so the bytes are an upper bound of what they keep.
 */
record LiveArrays(int count, long bytes) {

    static LiveArrays of(NDManager manager) {
        List<NDArray> arrays = manager.getManagedArrays();
        long bytes = 0;
        int count = 0;
        for (NDArray a : arrays) {
            if (!a.isReleased()) {
                count++;
                bytes += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return new LiveArrays(count, bytes);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%,d arrays, %.0f MiB of shapes", count, bytes / (double) (1 << 20));
    }
}
