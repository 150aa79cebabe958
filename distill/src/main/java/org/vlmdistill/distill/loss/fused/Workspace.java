package org.vlmdistill.distill.loss.fused;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory of one worker thread for one call: a dense row for a sparse target (off-heap, so
 * every kernel reads segments of one kind), two tiles for values one loop hands the next, and room for
 * a row's log-sum-exps and sums; freed when the call ends.
 */
final class Workspace implements AutoCloseable {
    /**
     * Elements per tile of the kernels that run several loops over each piece of a row (a loop body
     * with more than two exps or logs exceeds C2's inlining budget): the row's s, z and g tiles and
     * the two scratch tiles, 4 KiB each, stay in a 32 KiB L1 from one loop to the next.
     */
    static final int TILE = 1024;
    static final long TILE_BYTES = (long) TILE * Float.BYTES;

    private final Arena arena = Arena.ofConfined();
    private final int n;
    private MemorySegment targetRow;
    private MemorySegment tiles;
    final double[] stats = new double[2];
    final double[] sums = new double[2];

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

    /** Two tiles of {@link #TILE} floats, at byte offsets 0 and {@link #TILE_BYTES}. */
    MemorySegment tiles() {
        if (tiles == null) {
            tiles = arena.allocate(2L * TILE_BYTES, 64);
        }
        return tiles;
    }

    @Override
    public void close() {
        arena.close();
    }
}
