package org.vlmdistill.eval.result;

import java.util.Objects;

/**
 * A model as the report names it.
 *
 * @param name       the label in tables: the directory's name, made unique
 * @param path       the directory as given
 * @param modelType  config.json's {@code model_type}
 * @param parameters parameter count
 * @param dtype      the compute dtype it ran in
 */
public record ModelInfo(String name, String path, String modelType, long parameters, String dtype) {
    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(dtype, "dtype");
    }
}
