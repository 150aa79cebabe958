package org.vlmdistill.datasets.read;

/** Why a record was skipped; counted per reason in the end-of-epoch stats. */
public enum SkipReason {
    MALFORMED_JSON("malformed JSON"),
    MALFORMED_RECORD("malformed record"),
    WRONG_COLUMN_COUNT("wrong column count"),
    MISSING_IMAGE("missing image file"),
    IMAGE_OUTSIDE_ROOT("image path outside the image root"),
    CORRUPT_IMAGE("corrupt or truncated image"),
    UNSUPPORTED_IMAGE("unsupported image format"),
    IMAGE_COUNT_MISMATCH("images and <image> placeholders differ in number"),
    UNPAIRED_MEMBER("tar member without its pair"),
    TOO_LONG("longer than the limit");

    private final String label;

    SkipReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
