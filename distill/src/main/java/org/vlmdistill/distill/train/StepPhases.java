package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * Wall time of one optimizer step's phases, for metrics.jsonl's {@code phase_seconds} and {@code vlmd bench
 * distill}'s split. Each mark charges the time since the previous mark to its phase, so the phases add up to
 * the time from {@link #start} to the last mark, which the trainer places at the end of the step.
 *
 * <p>On a CPU every libtorch op returns when its work is done, so a phase is the work it launched. On a GPU
 * kernels run behind the host: a phase is then the host time until its last launch, and the work lands in
 * whichever later phase first waits for it (the gradient norm's host read, in the optimizer).
 */
final class StepPhases {
    /** In the order they happen within a micro-batch; names as metrics.jsonl writes them. */
    enum Phase {
        /** The next paired batch (waiting on the prefetch thread) and the skipped-record log. */
        DATA,
        /** Stream alignment: the loss rows of student and teacher. */
        ALIGN,
        /** The online teacher's forward (no gradient), or the cache rows. */
        TEACHER_FORWARD,
        /** The student's forward under autograd to the last hidden states at the loss rows. */
        STUDENT_FORWARD,
        /** The chunked loss (projection onto the vocabulary, the loss and its gradient at the rows). */
        LOSS,
        /** Backward from the loss rows into the student's parameters, and releasing the micro-batch's arrays. */
        BACKWARD,
        /** Gradient norm (the step's host read), clip, AdamW, zeroing the gradients. */
        OPTIMIZER;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final long[] nanos = new long[Phase.values().length];
    private long last = System.nanoTime();

    /** Clears the phases and starts the clock. */
    void start() {
        java.util.Arrays.fill(nanos, 0);
        last = System.nanoTime();
    }

    /** Charges the time since the previous mark (or the start) to {@code phase}. */
    void mark(Phase phase) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - last;
        last = now;
    }

    /** Seconds of {@code phase} in this step so far. */
    double seconds(Phase phase) {
        return nanos[phase.ordinal()] / 1e9;
    }

    /** Writes every phase's seconds into {@code into}, by {@link Phase#key}. */
    void write(ObjectNode into) {
        for (Phase p : Phase.values()) {
            into.put(p.key(), seconds(p));
        }
    }
}
