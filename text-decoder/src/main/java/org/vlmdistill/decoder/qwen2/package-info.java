/** The {@code qwen2} architecture's registration; its decoder is {@code decoder.llama}'s with q/k/v biases. */
package org.vlmdistill.decoder.qwen2;
