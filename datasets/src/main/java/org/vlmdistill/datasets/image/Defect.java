package org.vlmdistill.datasets.image;

import org.vlmdistill.datasets.image.ImageDecodeException.Kind;

/**
 * A problem found while walking a file's structure, kept rather than thrown so that the pixel
 * limit (known from the header) is checked first: a decompression bomb is reported as such even
 * when the rest of the file is missing.
 */
record Defect(Kind kind, String problem) {
    ImageDecodeException exception(String source) {
        return new ImageDecodeException(source, kind, problem);
    }
}
