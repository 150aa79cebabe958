package org.vlmdistill.distill.loss.fused;

import jdk.incubator.vector.FloatVector;
import org.vlmdistill.core.bridge.FloatRows;
import org.vlmdistill.distill.loss.DistillationLoss;
import org.vlmdistill.distill.loss.LossContext;
import org.vlmdistill.distill.loss.SparseTargetRows;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.IntStream;


/**
 * The fused CPU kernels of the distillation losses: for a chunk of token rows, each row's LM loss,
 * distillation loss and gradient {@code wLm (softmax(s) - onehot(y)) + wD dD/ds}, computed in place
 * on the tensors' memory ({@link FloatRows}, zero copy) with the Java Vector API, rows split across
 * {@code threads} workers. Per-row values are summed in row order, so results do not depend on the
 * thread count.
 *
 * <p>A sparse target (the top-k cache) is written into a per-thread dense row of {@code -inf} and the
 * k kept log-probabilities, then goes through the same kernel: O(threads x V) extra memory.
 *
 * <p>In place: the gradient may be the student's rows themselves (the same memory, as Liger-Kernel's
 * cross entropy writes its gradient over the logits), so a loss needs no {@code [rows, V]} array of
 * its own. Kernels that read s after writing g ({@link RowKernel#inPlace()} false) then read a
 * per-thread copy of each row, taken just before the row is overwritten: O(threads x V) again.
 */
public final class FusedKernels {
    private final int threads;

    /** @param threads workers per chunk (at least 1) */
    public FusedKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
    }

    /** Whether this JVM has the Vector API ({@code --add-modules jdk.incubator.vector}). */
    public static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** libtorch's intra-op thread count as DJL sets it, else OMP_NUM_THREADS, else the cores. */
    public static int defaultThreads() {
        for (String v : new String[]{System.getProperty("ai.djl.pytorch.num_threads"), System.getenv("OMP_NUM_THREADS")}) {
            if (v != null) {
                try {
                    int n = Integer.parseInt(v.trim());
                    if (n >= 1) {
                        return n;
                    }
                } catch (NumberFormatException e) {
                    // not a count: the next source decides
                }
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Whether {@code loss} has a fused kernel here. */
    public static boolean supports(DistillationLoss loss) {
        return available() && kernel(loss, new LossContext(0, 1), true) != null;
    }

    /** Sums over a chunk's rows; {@code parameterGrads} unscaled, as {@code ChunkGradient}'s. */
    public record Sums(double lm, double distil, double[] parameterGrads) {
    }

    /**
     * One chunk.
     *
     * @param student rows {@code [c, V]}; only the first V = {@code gradient.cols()} columns are read
     * @param target  dense target rows {@code [c, >= V]}, or null with {@code sparse} or without distillation
     * @param sparse  the sparse target of the same rows, or null
     * @param labels  the chunk's labels, {@code labels[labelOffset + r]} for row r
     * @param distil  false for the LM loss alone (SFT, or ratio 0): target and sparse unused
     */
    public Sums run(DistillationLoss loss, LossContext context, boolean distil, FloatRows student, FloatRows target,
                    SparseTargetRows sparse, long[] labels, int labelOffset, FloatRows gradient, float wLm, float wD) {
        int rows = gradient.rows();
        int n = gradient.cols();
        RowKernel kernel = kernel(loss, context, distil);
        if (kernel == null) {
            throw new IllegalArgumentException("no fused kernel for " + loss.name());
        }
        if (student.rows() != rows || student.cols() < n) {
            throw new IllegalArgumentException("student rows " + student.rows() + "x" + student.cols()
                    + " against gradient " + rows + "x" + n);
        }
        boolean reads = kernel.readsTarget();
        if (reads && sparse == null && (target == null || target.rows() != rows || target.cols() < n)) {
            throw new IllegalArgumentException("target rows " + (target == null ? "missing" : target.rows() + "x" + target.cols())
                    + " for " + rows + "x" + n);
        }
        if (reads && sparse != null && sparse.rows() != rows) {
            throw new IllegalArgumentException("sparse target has " + sparse.rows() + " rows for " + rows);
        }
        // the same first element and row stride: a gradient written in place over the student's rows
        boolean inPlace = student.data().address() == gradient.data().address() && student.rowStride() == gradient.rowStride();
        if (!inPlace && overlaps(student, gradient)) {
            throw new IllegalArgumentException("the gradient's memory overlaps the student's without being its rows");
        }
        if (reads && target != null && overlaps(target, gradient)) {
            throw new IllegalArgumentException("the gradient's memory overlaps the target's");
        }
        int width = kernel.outputs();
        double[] perRow = new double[rows * width];
        int parts = Math.min(threads, Math.max(1, rows));
        Runnable[] work = new Runnable[parts];
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) rows * p / parts);
            int to = (int) ((long) rows * (p + 1) / parts);
            work[p] = () -> rows(kernel, reads, student, target, sparse, labels, labelOffset, gradient, wLm, wD,
                    from, to, n, width, perRow, inPlace && !kernel.inPlace());
        }
        if (parts == 1) {
            work[0].run();
        } else {
            IntStream.range(0, parts).parallel().forEach(p -> work[p].run());
        }
        double lm = 0;
        double d = 0;
        double[] params = new double[width - 2];
        for (int r = 0; r < rows; r++) {
            lm += perRow[r * width];
            d += perRow[r * width + 1];
            for (int k = 0; k < params.length; k++) {
                params[k] += perRow[r * width + 2 + k];
            }
        }
        return new Sums(lm, d, params);
    }

    private static boolean overlaps(FloatRows a, FloatRows b) {
        long x = a.data().address();
        long y = b.data().address();
        return x < y + b.data().byteSize() && y < x + a.data().byteSize();
    }

    private static void rows(RowKernel kernel, boolean reads, FloatRows student, FloatRows target, SparseTargetRows sparse,
                             long[] labels, int labelOffset, FloatRows gradient, float wLm, float wD,
                             int from, int to, int n, int width, double[] perRow, boolean copyStudent) {
        double[] out = new double[width];
        try (Workspace ws = new Workspace(n)) {
            for (int r = from; r < to; r++) {
                long y = labels[labelOffset + r];
                if (y < 0 || y >= n) {
                    throw new IllegalArgumentException("row " + r + ": label " + y + " outside [0, " + n + ")");
                }
                MemorySegment z = null;
                long zb = 0;
                if (reads) {
                    if (sparse != null) {
                        z = ws.targetRow();
                        densify(sparse, r, z, n);
                    } else {
                        z = target.data();
                        zb = target.rowOffset(r);
                    }
                }
                MemorySegment s = student.data();
                long sb = student.rowOffset(r);
                if (copyStudent) {
                    MemorySegment copy = ws.studentRow();
                    MemorySegment.copy(s, sb, copy, 0, (long) n * Float.BYTES);
                    s = copy;
                    sb = 0;
                }
                Arrays.fill(out, 0);
                kernel.row(s, sb, z, zb, n, (int) y, gradient.data(), gradient.rowOffset(r), wLm, wD, out, ws);
                System.arraycopy(out, 0, perRow, r * width, width);
            }
        }
    }

    /** Row r of the sparse target as a dense row of n floats: {@code -inf} but at the kept ids. */
    private static void densify(SparseTargetRows sparse, int r, MemorySegment row, int n) {
        FloatVector minusInf = FloatVector.broadcast(VectorMath.F, Float.NEGATIVE_INFINITY);
        int bound = VectorMath.bound(n);
        for (int i = 0; i < bound; i += VectorMath.LANES) {
            VectorMath.store(minusInf, row, 0, i);
        }
        for (int i = bound; i < n; i++) {
            VectorMath.set(row, 0, i, Float.NEGATIVE_INFINITY);
        }
        for (int k = sparse.offsets()[r]; k < sparse.offsets()[r + 1]; k++) {
            int id = sparse.ids()[k];
            if (id < 0 || id >= n) {
                throw new IllegalArgumentException("sparse target row " + r + ": token " + id + " outside [0, " + n + ")");
            }
            VectorMath.set(row, 0, id, sparse.logProbs()[k]);
        }
    }

    /**
     * The kernel of {@code loss} at this point of training ({@link DistillationLoss#fusedKernel}); the LM
     * cross entropy alone without distillation; null when the loss has no kernel.
     */
    static RowKernel kernel(DistillationLoss loss, LossContext context, boolean distil) {
        if (!distil || !loss.needsTeacher()) {
            return new CrossEntropyKernel();
        }
        return loss.fusedKernel(context).orElse(null);
    }
}
