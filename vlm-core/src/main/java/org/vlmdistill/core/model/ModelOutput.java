package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;

/**
 * @param lastHiddenState {@code [batch, seq, hidden_size]} after the decoder's final norm
 * @param logits          {@code [batch, seq, vocab_size]}
 */
public record ModelOutput(NDArray lastHiddenState, NDArray logits) {}
