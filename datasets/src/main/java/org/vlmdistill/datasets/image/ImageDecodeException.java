package org.vlmdistill.datasets.image;

import java.util.Objects;

/**
 * Encoded bytes that do not give an image: the one exception {@link ImageDecoder} throws for bad
 * content, whatever decoder was underneath (no {@code IIOException}, no {@code NullPointerException}
 * from a plugin, no {@code OutOfMemoryError}). Unchecked, like the project's other format errors: a
 * bad image is skipped, not retried. Plain I/O failures reading a file stay {@code IOException}.
 *
 * <p>The message is {@code <source>: <kind>: <problem>}, e.g.
 * {@code images/000123.jpg: truncated: the data ends inside the JPEG scan, before the EOI marker}.
 */
public final class ImageDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong, coarse enough for skip statistics. */
    public enum Kind {
        /** The data ends before the image does (an empty file included): a cut-off download or copy. */
        TRUNCATED("truncated"),
        /** The bytes break their format: bad checksums, impossible headers, garbage, undecodable data. */
        CORRUPT("corrupt"),
        /** A well-formed file of a format, or a variant of one, that is not decoded here (PDF, SVG, HEIC, 12-bit JPEG, ...). */
        UNSUPPORTED("unsupported"),
        /** More pixels than the decoder's limit (a decompression bomb), or more than memory allows. */
        TOO_LARGE("too large");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final String source;
    private final Kind kind;
    private final String problem;

    public ImageDecodeException(String source, Kind kind, String problem) {
        this(source, kind, problem, null);
    }

    public ImageDecodeException(String source, Kind kind, String problem, Throwable cause) {
        super(source + ": " + kind.label() + ": " + problem, cause);
        this.source = Objects.requireNonNull(source, "source");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The image's name as given to the decoder ({@link org.vlmdistill.datasets.record.ImageSource#name()}). */
    public String source() {
        return source;
    }

    public Kind kind() {
        return kind;
    }

    /** The message without the source and kind. */
    public String problem() {
        return problem;
    }
}
