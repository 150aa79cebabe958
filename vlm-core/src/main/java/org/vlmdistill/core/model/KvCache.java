package org.vlmdistill.core.model;

/**
 * Keys and values of the positions a decoder has seen, per layer, for incremental decoding. Made by
 * {@link TextDecoder#newCache()} and only understood by the decoder that made it. Closing frees the
 * cached arrays.
 */
public interface KvCache extends AutoCloseable {

    /** Positions cached so far ({@code past} in {@link TextDecoder#forward}). */
    int length();

    @Override
    void close();
}
