package org.vlmdistill.core.model;

import org.vlmdistill.core.device.ComputePolicy;

import java.util.Optional;

/**
 * Builds the models of one top-level {@code model_type}. Implementations register with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.vlmdistill.core.model.ModelFamily}) in the
 * module that implements the family; {@link ModelFamilies} finds them.
 */
public interface ModelFamily {

    /** HF's {@code model_type} this family builds ({@code idefics3}, {@code llava}, {@code llama}). */
    String modelType();

    /**
     * Builds the model, taking every parameter from {@code weights} by HF name, then calls
     * {@link WeightLoading#finish()} and hands its parameters and manager to the model.
     */
    Model create(ModelDirectory source, WeightLoading weights, ComputePolicy policy);

    /**
     * The image processor {@link #create} would give the model, from the directory's config and
     * {@code preprocessor_config.json} alone, reading no weights (a run whose teacher logits come from a
     * cache still processes images as the teacher did). Empty for a text-only family.
     */
    default Optional<ImageProcessor> imageProcessor(ModelDirectory source) {
        return Optional.empty();
    }
}
