/**
 * The {@code internvl_chat} family (InternVL 1.5, 2, 2.5, 3 as OpenGVLab publishes them), all of it but
 * the decoder: its registration ({@link org.vlmdistill.vision.internvl.InternVLFamily}), the InternViT
 * tower ({@link org.vlmdistill.vision.internvl.InternVisionModel}), the {@code mlp1} connector with its
 * pixel shuffle ({@link org.vlmdistill.vision.internvl.InternVLConnector}), the dynamic-tiling image
 * processor and the image-token layout ({@code <img>}, {@code <IMG_CONTEXT>} per token, {@code </img>}).
 * The decoder (Qwen2, Llama, InternLM2) comes from text-decoder through the registry.
 */
package org.vlmdistill.vision.internvl;
