package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.tensor.DType;

/**
 * Where a model's components take their parameters from while they are built, by Hugging Face
 * tensor name: a checkpoint or a seeded random initialization ({@link WeightLoading}). A component
 * takes every tensor it owns in its constructor, with the shape its config implies; names it does
 * not take are reported as unexpected, names the source lacks as missing, wrong shapes with both
 * shapes, all at once when loading finishes.
 */
public interface Weights {

    /**
     * The tensor {@code name} (relative to this view's prefix) of the given shape, in {@link #dtype()},
     * registered as a parameter of the model being built.
     *
     * @param init how a random initialization fills it
     */
    NDArray take(String name, Init init, long... shape);

    /**
     * Marks {@code name} as known but not a parameter (a tied copy of another tensor, a buffer such
     * as {@code position_ids}): not reported as unexpected when a checkpoint has it.
     */
    void ignore(String name);

    /** Whether the source holds {@code name} (relative to this view); always false for random init. */
    boolean has(String name);

    /** A view whose names start with {@code prefix} (for example {@code "model.text_model."}). */
    Weights at(String prefix);

    /** The prefix of this view, empty at the root. */
    String prefix();

    /** The dtype parameters are created in. */
    DType dtype();

    /** The ops that created them (bf16 needs the bridge). */
    TorchOps ops();

    /** The manager that owns the parameters. */
    NDManager manager();

    /** The model's one {@link ActivationCheckpoints} (every view of a model's weights gives the same). */
    ActivationCheckpoints checkpoints();
}
