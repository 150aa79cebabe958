/**
 * The {@code llama} architecture, all of it: its registration as a whole model and as a VLM's decoder
 * ({@link org.vlmdistill.decoder.llama.LlamaFamily}), and the decoder as HF's modeling_llama.py builds it
 * (RMSNorm, rotary embedding, grouped-query attention, SwiGLU MLP).
 */
package org.vlmdistill.decoder.llama;
