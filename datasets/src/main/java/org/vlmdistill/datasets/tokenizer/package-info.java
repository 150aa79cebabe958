/** Tokenizing rendered chat text with a model's tokenizer.json, as transformers does after rendering. */
package org.vlmdistill.datasets.tokenizer;
