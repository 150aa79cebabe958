/**
 * The {@code llava} family, all of it but the CLIP or SigLIP tower ({@code vision.vit}) and the two
 * processors it picks from ({@code vision.clip}, {@code vision.siglip}): its registration
 * ({@link org.vlmdistill.vision.llava.LlavaFamily}), the processor choice and the fixed image-token
 * count, and the two-layer multimodal projector.
 */
package org.vlmdistill.vision.llava;
