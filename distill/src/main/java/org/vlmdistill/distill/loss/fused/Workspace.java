package org.vlmdistill.distill.loss.fused;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory of one worker thread for one call: a dense row for a sparse target (off-heap, so
 * every kernel reads segments of one kind), two tiles for values one loop hands the next, room for
 * a row's log-sum-exps and sums, Adaptive KL's rows of p and |p - q| and the copy of p its
 * selection reorders, and a copy of the student's row where its gradient goes over it; freed when the
 * call ends.
 */
public final class Workspace implements AutoCloseable {
    /**
     * Elements per tile of the kernels that run several loops over each piece of a row (a loop body
     * with more than two exps or logs exceeds C2's inlining budget): the row's s, z and g tiles and
     * the two scratch tiles, 4 KiB each, stay in a 32 KiB L1 from one loop to the next.
     */
    static final int TILE = 1024;
    static final long TILE_BYTES = (long) TILE * Float.BYTES;

    private final Arena arena = Arena.ofConfined();
    private final int n;
    /**
     * Rows of n floats, made on first use: the densified sparse target, Adaptive KL's p and |p - q|,
     * the copy of a student row whose gradient is written over it.
     */
    private final MemorySegment[] rows = new MemorySegment[4];
    private MemorySegment tiles;
    private float[] order;
    final double[] stats = new double[2];
    /** A row's running sums, for kernels whose passes add up more than one. */
    final double[] sums = new double[3];

    Workspace(int n) {
        this.n = n;
    }

    /** A row of {@code n} floats for the densified sparse target. */
    MemorySegment targetRow() {
        return row(0);
    }

    /** Two tiles of {@link #TILE} floats, at byte offsets 0 and {@link #TILE_BYTES}. */
    MemorySegment tiles() {
        if (tiles == null) {
            tiles = arena.allocate(2L * TILE_BYTES, 64);
        }
        return tiles;
    }

    /** A row of {@code n} floats: Adaptive KL's teacher probabilities p. */
    MemorySegment probs() {
        return row(1);
    }

    /** A row of {@code n} floats: Adaptive KL's {@code |p - q|}. */
    MemorySegment errors() {
        return row(2);
    }

    /** A row of {@code n} floats: the student's row, copied before a kernel that is not in place writes over it. */
    MemorySegment studentRow() {
        return row(3);
    }

    private MemorySegment row(int slot) {
        if (rows[slot] == null) {
            rows[slot] = arena.allocate((long) n * Float.BYTES, 64);
        }
        return rows[slot];
    }

    /** {@code n} floats on the heap that a selection may reorder (scalar code reads arrays fastest). */
    float[] order() {
        if (order == null) {
            order = new float[n];
        }
        return order;
    }

    @Override
    public void close() {
        arena.close();
    }
}
