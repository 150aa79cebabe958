package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDManager;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.loss.TeacherLogits;

/**
 * Where the teacher's distribution comes from: a model running in the same process, or the offline
 * top-k cache {@code vlmd teacher-logits} wrote. The training loop does not know which.
 */
public interface TeacherSource extends AutoCloseable {

    /** For plans and logs: {@code online: DIR (idefics3, bf16, cuda:0)} or {@code cache: DIR (k 50, p 0.95)}. */
    String describe();

    /** Whether the distribution is truncated (top-k cache), which some losses refuse. */
    boolean truncated();

    /**
     * The teacher's rows for one micro-batch, over the shared vocabulary of {@code vocab} tokens.
     * Arrays are made in {@code manager} (the step's scope) and freed with it.
     */
    TeacherLogits forStep(StepBatch batch, AlignedRows rows, int vocab, NDManager manager);

    @Override
    void close();
}
