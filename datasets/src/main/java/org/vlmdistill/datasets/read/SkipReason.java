package org.vlmdistill.datasets.read;

/** Why a record was skipped; counted per reason in the end-of-epoch stats. */
public enum SkipReason {
    MALFORMED_JSON("malformed JSON"),
    MALFORMED_RECORD("malformed record"),
    UNKNOWN_ROLE("unknown speaker"),
    WRONG_COLUMN_COUNT("wrong column count"),
    MISSING_IMAGE("missing image file"),
    IMAGE_OUTSIDE_ROOT("image path outside the image root"),
    INVALID_BASE64("image cell is not valid base64"),
    CORRUPT_IMAGE("corrupt or truncated image"),
    UNSUPPORTED_IMAGE("unsupported image format"),
    IMAGE_TOO_LARGE("image over the pixel limit"),
    IMAGE_COUNT_MISMATCH("images and <image> placeholders differ in number"),
    UNPAIRED_MEMBER("tar member without its pair"),
    TOO_LONG("longer than the limit"),
    /** The model's chat template fails on the record (a {@code raise_exception}, a type error, a limit). */
    TEMPLATE_FAILED("chat template fails on the record"),
    /** The tokenizer gave an id the model's {@code vocab_size} does not cover: tokenizer.json and config.json disagree. */
    TOKEN_OUT_OF_VOCABULARY("token id outside the model's vocabulary"),
    /** The file ends inside a record: what came before is delivered, the rest is this one skip. */
    TRUNCATED("file ends inside a record");

    private final String label;

    SkipReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
