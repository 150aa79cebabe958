package org.vlmdistill.core.tensor;

import ai.djl.ndarray.NDArray;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every copy of a tensor's values from its device into the JVM goes through here, each with the reason
 * it is needed. On a GPU each such read waits for the device to finish everything queued before it, so
 * a training step should make as few as it can: the count is a property of the code that a test can
 * hold down ({@link #counting}). Host-to-device uploads ({@code manager.create(...)}) are not reads.
 *
 * <p>A training step on the CPU reads once: the gradient norm (clipping, the finite check, the metrics
 * need it); distill's {@code StepHostReadsTest} holds that count and explains it. Reads outside the step
 * remain where the host needs the values: sampling in generate, scoring in evaluation, the teacher
 * cache's top-k, checkpoints, and the composed losses' per-chunk sums where the fused kernels do not run.
 */
public final class HostReads {
    private static final ScopedValue<Tally> TALLY = ScopedValue.newInstance();

    private HostReads() {
    }

    /** The reads made while a {@link #counting} scope was open on this thread, in order, by reason. */
    public static final class Tally {
        private final List<String> reasons = new ArrayList<>();

        private synchronized void add(String why) {
            reasons.add(why);
        }

        public synchronized int count() {
            return reasons.size();
        }

        /** One entry per read, the reason each was given. */
        public synchronized List<String> reasons() {
            return List.copyOf(reasons);
        }

        /** How many reads each reason made, in order of first appearance. */
        public synchronized Map<String, Integer> byReason() {
            Map<String, Integer> m = new LinkedHashMap<>();
            reasons.forEach(r -> m.merge(r, 1, Integer::sum));
            return m;
        }
    }

    /** Runs {@code op}, recording in {@code tally} every read it makes on this thread. */
    public static <T, X extends Throwable> T counting(Tally tally, ScopedValue.CallableOp<T, X> op) throws X {
        return ScopedValue.where(TALLY, Objects.requireNonNull(tally, "tally")).call(op);
    }

    private static void note(String why) {
        Objects.requireNonNull(why, "why");
        if (TALLY.isBound()) {
            TALLY.get().add(why);
        }
    }

    /** {@code x.toFloatArray()}. */
    public static float[] floats(NDArray x, String why) {
        note(why);
        return x.toFloatArray();
    }

    /** {@code x.toLongArray()}. */
    public static long[] longs(NDArray x, String why) {
        note(why);
        return x.toLongArray();
    }

    /** {@code x.toDoubleArray()}. */
    public static double[] doubles(NDArray x, String why) {
        note(why);
        return x.toDoubleArray();
    }

    /** {@code x.toByteBuffer()}: the raw bytes, whatever the dtype. */
    public static ByteBuffer bytes(NDArray x, String why) {
        note(why);
        return x.toByteBuffer();
    }

    /** The one value of an fp32 array, {@code x.getFloat()}. */
    public static float scalarFloat(NDArray x, String why) {
        note(why);
        return x.getFloat();
    }

    /** The one value of an fp64 array, {@code x.getDouble()}. */
    public static double scalarDouble(NDArray x, String why) {
        note(why);
        return x.getDouble();
    }

    /** The one value of an int64 array, {@code x.getLong()}. */
    public static long scalarLong(NDArray x, String why) {
        note(why);
        return x.getLong();
    }
}
