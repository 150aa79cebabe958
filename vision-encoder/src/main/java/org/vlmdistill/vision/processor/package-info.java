/**
 * Image processors driven by preprocessor_config.json with transformers' field names and defaults:
 * Idefics3 (resize, tiling, global image), CLIP and SigLIP (LLaVA). Resizes are Pillow-exact.
 */
package org.vlmdistill.vision.processor;
