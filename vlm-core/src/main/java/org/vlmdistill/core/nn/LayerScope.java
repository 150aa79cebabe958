package org.vlmdistill.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/**
 * One layer's forward with its temporaries closed as soon as it returns.
 *
 * <p>Why: a DJL array keeps its libtorch tensor alive until the array is closed, and an op's result
 * attaches to the manager of its first input, which lives for the whole step. Without a scope every
 * intermediate of every layer (a SigLIP layer's ten {@code [patches, 3072]} GELU temporaries, the
 * composed LayerNorm's centred input, ...) stays resident until the step ends, whether or not autograd
 * saved it. Closing a DJL handle only drops one reference: what autograd saved for the backward it
 * keeps by its own reference, so gradients do not change, and what nothing saved is freed at once.
 */
public final class LayerScope {
    private LayerScope() {
    }

    /**
     * Runs {@code forward} in an {@link NDScope}, closes every array it made except the one it returns,
     * and hands that one to the enclosing scope, if any. The result must be made inside {@code forward}
     * (a layer's output always is: the residual sum); an array made outside must not be returned.
     */
    public static NDArray run(Supplier<NDArray> forward) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = forward.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }
}
