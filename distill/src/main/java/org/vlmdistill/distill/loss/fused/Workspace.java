package org.vlmdistill.distill.loss.fused;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory of one worker thread for one call: a dense row for a sparse target (off-heap, so
 * every kernel reads segments of one kind) and room for a row's log-sum-exps and sums; freed when the
 * call ends.
 */
final class Workspace implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final int n;
    private MemorySegment targetRow;
    final double[] stats = new double[2];
    /** A row's running sums, for kernels whose passes add up more than one. */
    final double[] sums = new double[3];

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

    @Override
    public void close() {
        arena.close();
    }
}
