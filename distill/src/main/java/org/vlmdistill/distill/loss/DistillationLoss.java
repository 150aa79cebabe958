package org.vlmdistill.distill.loss;

import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.distill.loss.fused.FusedKernels;
import org.vlmdistill.distill.loss.fused.RowKernel;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One distillation objective (TAID or a baseline), as docs/methods.md gives it, computed one
 * chunk of token rows at a time so that only {@code chunk x vocab} fp32 values exist at once.
 *
 * <p>Each implementation returns, for a chunk, the sum over its rows of the per-row loss and the
 * gradient of that sum with respect to the student's logits, in closed form (its formula in the
 * class Javadoc). {@link ChunkedLoss} turns rows into chunks, takes the masked token mean, mixes in
 * the LM loss and hands autograd a surrogate whose gradient is exactly the one computed here.
 *
 * <p>Losses with state (TAID's t, momentum and previous loss; CTKD's temperature parameter) keep it
 * here: {@link #state()} is saved with a checkpoint and {@link #restore} puts it back. The training
 * loop calls {@link #afterMicroBatch} once per training micro-batch and never on evaluation.
 */
public interface DistillationLoss {

    /** The config name: {@code taid}, {@code fkl}, {@code rkl}, {@code tvd}, {@code skew_kl}, ... */
    String name();

    /** False only for SFT, which reads nothing but the labels. */
    default boolean needsTeacher() {
        return true;
    }

    /**
     * False for losses that are infinite where the teacher gives probability 0 (reverse KL, Adaptive KL),
     * so they cannot read a truncated top-k cache.
     */
    default boolean acceptsTruncatedTeacher() {
        return true;
    }

    /** Loss and gradient of one chunk, composed of DJL ops; see {@link LossChunk} for the inputs' shapes. */
    ChunkGradient forwardBackward(LossChunk chunk, LossContext context);

    /**
     * The same loss as one fused CPU kernel over a token row ({@link FusedKernels} runs it), with this
     * point of training's settings (TAID's t, CTKD's temperature and lambda) read now, once per chunk;
     * empty when the loss has none, and then every chunk goes through {@link #forwardBackward}.
     */
    default Optional<RowKernel> fusedKernel(LossContext context) {
        return Optional.empty();
    }

    /** Trainable parameters the loss itself owns (CTKD's temperature logit); none for the rest. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Called once after each training micro-batch with its distillation loss {@code j} (the masked
     * token mean, detached, averaged over data-parallel replicas). TAID updates t here.
     */
    default void afterMicroBatch(double j, LossContext context) {
    }

    /** Scalars to log each step (TAID: {@code t}, {@code dt}, {@code momentum}); empty when none. */
    default Map<String, Double> metrics() {
        return Map.of();
    }

    /** The state a checkpoint keeps, as plain numbers; empty when stateless. */
    default Map<String, Double> state() {
        return Map.of();
    }

    /** Puts back what {@link #state()} returned; refuses a map with missing or unknown keys. */
    default void restore(Map<String, Double> state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException(name() + " keeps no state, the checkpoint has " + state.keySet());
        }
    }
}
