/**
 * The layers every family shares, over NDArray and {@link org.vlmdistill.core.bridge.TorchOps}:
 * {@link org.vlmdistill.core.nn.Linear}, {@link org.vlmdistill.core.nn.Embedding},
 * {@link org.vlmdistill.core.nn.LayerNorm}, {@link org.vlmdistill.core.nn.RmsNorm} and the activations
 * named by HF configs' {@code hidden_act} ({@link org.vlmdistill.core.nn.Activations}). Each takes its
 * tensors from {@link org.vlmdistill.core.model.Weights} under HF's names.
 */
package org.vlmdistill.core.nn;
