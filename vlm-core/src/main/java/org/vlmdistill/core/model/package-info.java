/**
 * The composition of a vision-language model over interfaces ({@link
 * org.vlmdistill.core.model.VisionEncoder}, {@link org.vlmdistill.core.model.Connector}, {@link
 * org.vlmdistill.core.model.TextDecoder}), named parameters taken by Hugging Face tensor name
 * ({@link org.vlmdistill.core.model.Weights}), the family registry ({@link
 * org.vlmdistill.core.model.ModelFamilies}), and the one way to open ({@link
 * org.vlmdistill.core.model.ModelDirectory}) and save ({@link org.vlmdistill.core.model.ModelWriter})
 * a model directory. Nothing here names a concrete family; see docs/models.md for the design.
 */
package org.vlmdistill.core.model;
