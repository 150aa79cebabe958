package org.vlmdistill.distill.plan;

/** Where a run's teacher signal comes from, as the memory estimate sees it. */
public sealed interface TeacherSide {
    /** The teacher model on the same device, run forward without gradient each micro-batch. */
    record Online(ModelShape shape) implements TeacherSide {
    }

    /** Top-{@code topK} rows read from a {@code vlmd teacher-logits} cache: no teacher weights on the device. */
    record Cached(int topK) implements TeacherSide {
    }

    /** No teacher (SFT). */
    record None() implements TeacherSide {
    }
}
