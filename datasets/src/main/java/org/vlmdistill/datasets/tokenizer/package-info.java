/**
 * Tokenizing rendered chat text as transformers does after rendering: a model's tokenizer.json (DJL's
 * Hugging Face tokenizers), or its SentencePiece tokenizer.model with tokenizer_config.json's added
 * tokens (InternLM2's; {@link org.vlmdistill.datasets.tokenizer.SentencePieceBpe}); vocabulary alignment.
 */
package org.vlmdistill.datasets.tokenizer;
