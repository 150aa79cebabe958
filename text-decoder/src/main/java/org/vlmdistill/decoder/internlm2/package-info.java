/**
 * The {@code internlm2} architecture (InternLM2, and the decoder of InternVL2-2B/8B/26B): its registration
 * as a whole model and as a VLM's decoder ({@link org.vlmdistill.decoder.internlm2.InternLM2Family}) and
 * its packed {@code wqkv} projection. The decoder itself is {@code decoder.llama}'s, built with
 * InternLM2's tensor names; its dynamic NTK RoPE lives with the other scalings in {@code decoder.rope}.
 */
package org.vlmdistill.decoder.internlm2;
