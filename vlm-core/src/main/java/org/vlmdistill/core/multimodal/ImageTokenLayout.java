package org.vlmdistill.core.multimodal;

/**
 * How one model spells an image in its token stream: the text that replaces one image
 * placeholder, for an image of a given size. Teacher and student may differ (another tower
 * resolution, another tiling), so each model brings its own layout.
 */
public interface ImageTokenLayout {

    /** The placeholder a rendered chat template holds where an image goes ({@code <image>}). */
    String placeholder();

    /** The token whose embeddings the image features replace. */
    String imageToken();

    /** The text that replaces one placeholder for an image of {@code width × height} pixels. */
    String expand(int width, int height);

    /** How many {@link #imageToken()}s {@link #expand} emits for that image. */
    int imageTokenCount(int width, int height);
}
