/**
 * ViT image towers (SigLIP, Idefics3's SigLIP, CLIP) as HF's modeling_siglip.py / modeling_clip.py
 * build them, under HF's tensor names, with LLaVA's and Idefics3's feature selection; and the ViT parts
 * other towers and connectors share: the patch embedding, position interpolation, pixel shuffle.
 */
package org.vlmdistill.vision.vit;
