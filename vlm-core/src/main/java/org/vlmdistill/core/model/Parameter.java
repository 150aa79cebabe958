package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;

import java.util.Objects;

/**
 * A model's tensor under its Hugging Face name ({@code model.text_model.layers.0.mlp.gate_proj.weight}).
 * The binding is fixed; the values change in place when an optimizer steps.
 */
public record Parameter(String name, NDArray array) {
    public Parameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(array, "array");
    }

    /** Number of elements. */
    public long size() {
        return array.getShape().size();
    }
}
