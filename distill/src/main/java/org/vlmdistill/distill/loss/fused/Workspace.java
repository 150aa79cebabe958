package org.vlmdistill.distill.loss.fused;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory of one worker thread for one call: a dense row for a sparse target, and what a
 * kernel needs beyond its rows (Adaptive KL's selection). Off-heap, so every kernel reads segments of
 * one kind; freed when the call ends.
 */
final class Workspace implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final int n;
    private MemorySegment targetRow;
    private MemorySegment extraRow;
    final double[] stats = new double[8];

    Workspace(int n) {
        this.n = n;
    }

    /** A row of {@code n} floats for the densified sparse target. */
    MemorySegment targetRow() {
        if (targetRow == null) {
            targetRow = arena.allocate((long) n * Float.BYTES, 64);
        }
        return targetRow;
    }

    /** A second row of {@code n} floats, for kernels that keep a per-element value between passes. */
    MemorySegment extraRow() {
        if (extraRow == null) {
            extraRow = arena.allocate((long) n * Float.BYTES, 64);
        }
        return extraRow;
    }

    @Override
    public void close() {
        arena.close();
    }
}
