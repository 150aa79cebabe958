package org.vlmdistill.datasets.tokenizer;

/**
 * What a {@link ChatTokenizer} runs: a tokenizer.json through DJL's Hugging Face tokenizers, or a
 * SentencePiece tokenizer.model with the added tokens of tokenizer_config.json ({@link SentencePieceTokenizer}).
 * Both encode without adding special tokens, truncating or padding.
 */
interface TextTokenizer extends AutoCloseable {

    /** Ids, token strings and each token's [start, end) in {@code text} (Java char indices). */
    Tokens encode(String text);

    String decode(long[] ids, boolean skipSpecialTokens);

    @Override
    void close();
}
