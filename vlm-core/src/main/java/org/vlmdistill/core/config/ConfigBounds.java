package org.vlmdistill.core.config;

/**
 * The largest value each size in a config may take, all in one place. A {@code config.json} is a
 * promise about a checkpoint that nothing else vouches for: a 1 KB file with {@code num_hidden_layers}
 * 1,000,000 would otherwise have a model of a million layers built before anything noticed. Each bound
 * is several times the largest released model's value, so that no real config comes near it; the
 * guard that fits a config to its weights is the checkpoint check of {@code ModelDirectory}, these
 * bounds only keep every product of sizes far from overflow and every loop over them short.
 *
 * <p>Products of bounded sizes fit a {@code long}: the largest, vocab x hidden, is 2^24 x 2^16 = 2^40
 * elements; patches x hidden is at most (16384)^2 x 2^16 = 2^44.
 */
public final class ConfigBounds {
    private ConfigBounds() {
    }

    /** Decoder or encoder layers: the deepest released decoders have about 130 (Llama 3.1 405B: 126). */
    public static final int MAX_LAYERS = 1024;

    /** hidden_size (and CLIP's projection_dim): the widest released models use 16384-18432. */
    public static final int MAX_HIDDEN_SIZE = 65536;

    /** intermediate_size: the largest dense MLPs are about 53248 (Llama 3.1 405B) to 73728. */
    public static final int MAX_INTERMEDIATE_SIZE = 262144;

    /** num_attention_heads and num_key_value_heads: released models use at most 128. */
    public static final int MAX_HEADS = 1024;

    /** head_dim: released models use 64 to 256. */
    public static final int MAX_HEAD_DIM = 4096;

    /** vocab_size: the largest released vocabularies are about 2^18 (Gemma 3: 262144). */
    public static final int MAX_VOCAB_SIZE = 1 << 24;

    /** max_position_embeddings: the longest released context is about 10.5M tokens (Llama 4 Scout). */
    public static final int MAX_POSITION_EMBEDDINGS = 1 << 24;

    /** A vision tower's image_size in pixels: released towers take 224 to about 1024. */
    public static final int MAX_IMAGE_SIZE = 16384;

    /** num_channels: RGB towers take 3; more than a few channels is no image this toolkit reads. */
    public static final int MAX_CHANNELS = 16;

    /** Tokens one image expands to in the text (LLaVA's image_seq_length is 576). */
    public static final int MAX_IMAGE_TOKENS = 1 << 20;

    /** {@code value <= max}, else an error naming the field (relative to its record) and the bound. */
    static int atMost(String field, int value, int max) {
        if (value > max) {
            throw Require.invalid(field, value + " is above the limit of " + max
                    + " (see ConfigBounds: no released model comes near it)");
        }
        return value;
    }
}
