package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.datasets.batch.Batch;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.data.BatchForward;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.loss.TeacherLogits;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The teacher as a model in this process: a full forward over the step's teacher batch, its last hidden
 * states kept at the aligned rows only ({@code [N, H_t]}), and logits made chunk by chunk from them with
 * the first {@code vocab} rows of its lm_head, so the teacher's {@code [B, T, V]} logits never exist.
 *
 * <p><b>No gradient.</b> The teacher's parameters do not require gradient, and the training loop calls
 * {@link #forStep} before it opens its {@code GradientCollector} (libtorch's grad mode is per thread and
 * the collector turns it on), so no autograd graph is recorded for the teacher. {@link TeacherLogits#rows}
 * is called later, inside the collector; its inputs require no gradient, so it records nothing either.
 *
 * <p>The model computes in its policy's dtype (bf16 on a GPU, fp32 on CPU: the caller's choice);
 * rows come back fp32 through {@link org.vlmdistill.core.bridge.TorchOps#cast}, never DJL's {@code toType}.
 */
public final class OnlineTeacher implements TeacherSource {
    private final Model model;

    /**
     * Takes ownership of {@code model} (a vision-language model or a text-only causal LM):
     * {@link #close()} closes it.
     */
    public OnlineTeacher(Model model) {
        this.model = Objects.requireNonNull(model, "model");
        if (!BatchForward.trainable(model)) {
            throw new IllegalArgumentException(model.source().describe() + ": the teacher must be a vision-language "
                    + "model or a causal LM, this is " + model.config().modelType());
        }
        for (Parameter p : model.parameters().list()) {
            if (p.array().hasGradient()) { // DJL: whether it requires gradient
                p.array().setRequiresGradient(false);
            }
        }
    }

    /** Loads the teacher in {@code dir} under {@code policy}. */
    public static OnlineTeacher load(Path dir, ComputePolicy policy) throws IOException {
        Model m = Models.load(dir, policy);
        if (!BatchForward.trainable(m)) {
            String type = m.config().modelType();
            m.close();
            throw new IllegalArgumentException(dir + ": the teacher must be a vision-language model or a causal LM, "
                    + "this is " + type);
        }
        return new OnlineTeacher(m);
    }

    public Model model() {
        return model;
    }

    @Override
    public String describe() {
        ComputePolicy p = model.policy();
        return "online: " + model.source().describe() + " (" + model.config().modelType() + ", "
                + p.computeDType() + ", " + p.device() + ")";
    }

    @Override
    public boolean truncated() {
        return false;
    }

    @Override
    public TeacherLogits forStep(StepBatch batch, AlignedRows rows, int vocab, NDManager manager) {
        Batch<org.vlmdistill.core.model.PixelValues> teacher = batch.teacher();
        if (teacher == null || !rows.hasTeacherStream()) {
            throw new IllegalArgumentException("the online teacher needs the step's teacher batch and aligned rows "
                    + "with teacher positions");
        }
        int fullVocab = BatchForward.vocabSize(model);
        if (vocab < 1 || vocab > fullVocab) {
            throw new IllegalArgumentException("shared vocabulary " + vocab + " outside the teacher's 1.." + fullVocab);
        }
        ComputePolicy policy = model.policy();
        NDArray hidden;
        NDArray head;
        try (NDScope scope = new NDScope(); NDManager scratch = manager.newSubManager(policy.device())) {
            hidden = BatchForward.lastHiddenAt(model, teacher, rows.teacherIndex(), scratch); // [N, H_t]
            head = BatchForward.decoder(model).lmHeadWeight().get(new NDIndex(":{}", vocab)); // [V, H_t], a view
            NDScope.unregister(hidden, head);
            hidden.attach(manager);
            head.attach(manager);
        }
        NDArray hiddenRows = hidden;
        NDArray lmHead = head;
        return (from, to) -> {
            if (from < 0 || to > rows.size() || from > to) {
                throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rows.size());
            }
            NDArray chunk = hiddenRows.get(new NDIndex("{}:{}", from, to));
            NDArray logits = policy.ops().linear(chunk, lmHead, null);
            NDArray out = policy.computeDType() == DType.F32 ? logits : policy.ops().cast(logits, DType.F32);
            if (out != logits) {
                logits.close();
            }
            chunk.close();
            return out;
        };
    }

    @Override
    public void close() {
        model.close();
    }
}
