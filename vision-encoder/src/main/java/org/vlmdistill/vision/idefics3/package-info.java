/**
 * The {@code idefics3} family (Idefics3, SmolVLM), all of it but the SigLIP tower ({@code vision.vit}):
 * its registration ({@link org.vlmdistill.vision.idefics3.Idefics3Family}), its image processor (resize,
 * tiling, global image), its image-token layout (tile runs and the global image), and its pixel-shuffle
 * connector.
 */
package org.vlmdistill.vision.idefics3;
