package org.vlmdistill.core.model;

import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.multimodal.ImageTokenLayout;

/**
 * A model's image preprocessing, as its {@code preprocessor_config.json} sets it: resize with the
 * processor's filter, split into tiles where the family does, rescale and normalize. Its tiling agrees
 * with {@link #layout()}, which says how many image tokens the text stream holds for the image.
 */
public interface ImageProcessor {

    /**
     * @throws IllegalArgumentException naming why the processor cannot take the image
     */
    PixelValues process(RgbImage image);

    /** The image-token layout matching this processor's output. */
    ImageTokenLayout layout();
}
