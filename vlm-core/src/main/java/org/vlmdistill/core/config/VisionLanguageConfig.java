package org.vlmdistill.core.config;

/** A vision encoder, a projector and a decoder, with image tokens spliced into the text. */
public sealed interface VisionLanguageConfig extends ModelConfig permits Idefics3Config, LlavaConfig {

    TextConfig textConfig();

    VisionConfig visionConfig();

    /** The placeholder token id that image features replace in the text. */
    int imageTokenId();

    /** The top-level {@code tie_word_embeddings} as HF resolves it for this model type. */
    boolean tieWordEmbeddings();
}
