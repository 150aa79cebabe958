/** transformers' {@code CLIPImageProcessor}: shortest-edge resize and center crop (LLaVA-1.5). */
package org.vlmdistill.vision.clip;
