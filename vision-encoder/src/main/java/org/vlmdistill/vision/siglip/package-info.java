/** transformers' {@code SiglipImageProcessor}: a plain resize to the tower's size (LLaVA with a SigLIP tower). */
package org.vlmdistill.vision.siglip;
