package org.vlmdistill.core.config;

import java.util.OptionalInt;

/** A vision encoder, a projector and a decoder, with image tokens spliced into the text. */
public sealed interface VisionLanguageConfig extends ModelConfig permits Idefics3Config, InternVLChatConfig, LlavaConfig {

    TextConfig textConfig();

    VisionConfig visionConfig();

    /** The placeholder token id that image features replace in the text. */
    int imageTokenId();

    /**
     * {@link #imageTokenId()}, or empty where the config leaves it to tokenizer files that were not read
     * (InternVL's {@code <IMG_CONTEXT>} of a directory without them).
     */
    default OptionalInt knownImageTokenId() {
        return OptionalInt.of(imageTokenId());
    }

    /** The top-level {@code tie_word_embeddings} as HF resolves it for this model type. */
    boolean tieWordEmbeddings();
}
