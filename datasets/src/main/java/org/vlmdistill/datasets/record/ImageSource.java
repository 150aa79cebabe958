package org.vlmdistill.datasets.record;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an image's encoded bytes are: a file already checked to lie inside the image root, or
 * bytes that came inside the data file (a base64 TSV cell, a tar member). Decoding is separate,
 * so a reader stays cheap and a bad image is reported when it is decoded.
 */
public sealed interface ImageSource {

    /** A short name for messages: the file name, or the member / column it came from. */
    String name();

    /** An image file inside the data set's image root. */
    record File(Path path) implements ImageSource {
        public File {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String name() {
            return path.toString();
        }
    }

    /** Encoded bytes (JPEG, PNG, ...) carried by the data file itself. */
    record Bytes(String name, byte[] data) implements ImageSource {
        public Bytes {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
        }
    }
}
