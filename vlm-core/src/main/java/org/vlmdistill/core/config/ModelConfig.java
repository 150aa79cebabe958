package org.vlmdistill.core.config;

import java.util.Optional;

/**
 * A model's {@code config.json}, as one of the model types this project reads; see
 * {@link HfConfigs#SUPPORTED_MODEL_TYPES}. Values are the file's, with transformers' defaults for
 * what the file leaves out.
 */
public sealed interface ModelConfig permits TextConfig, VisionConfig, VisionLanguageConfig {

    /** HF's {@code model_type}. */
    String modelType();

    /** {@code torch_dtype} as written ({@code "bfloat16"}, ...); transformers 5 writes it as {@code dtype}. */
    Optional<String> torchDtype();

    /** Keys of this config object that no component models, kept verbatim. */
    Extras extra();
}
