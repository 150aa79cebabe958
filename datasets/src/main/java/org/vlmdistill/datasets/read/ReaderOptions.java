package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Turn;

import java.nio.file.Path;

/**
 * How data files are read.
 *
 * @param imageRoot      directory every image path of a data file must resolve inside; {@code null}: the data
 *                       file's own directory (LLaVA's layout: the JSON beside its {@code images/} folder)
 * @param maxRecordChars longest record delivered, in characters over all turns; longer ones are skipped as
 *                       {@link SkipReason#TOO_LONG}. Tokens are limited later, by the tokenizer stage.
 * @param maxRawBytes    most bytes a reader holds for one raw record (a JSONL line, a TSV row, a tar sample's
 *                       members); beyond it the record is passed over without being kept, which is what makes
 *                       memory independent of the data: a file without a newline cannot fill the heap
 * @param captionPrompt  user turn of a captioning sample (WebDataset {@code .txt}, or {@code caption} in its
 *                       {@code .json}); the caption is the assistant turn
 * @param maxSkipsKept   skipped records kept in full in {@link ReadStats#skippedRecords()}; every skip is counted
 *                       whatever this is, so a wholly broken data set costs counters, not memory
 */
public record ReaderOptions(Path imageRoot, int maxRecordChars, int maxRawBytes, String captionPrompt,
                            int maxSkipsKept) {

    public static final ReaderOptions DEFAULTS = new ReaderOptions(null, 1 << 20, 64 << 20,
            Turn.IMAGE_PLACEHOLDER + "\nDescribe the image.", 10_000);

    public ReaderOptions {
        if (maxRecordChars <= 0 || maxRawBytes <= 0 || maxSkipsKept < 0) {
            throw new IllegalArgumentException("limits must be positive: maxRecordChars " + maxRecordChars
                    + ", maxRawBytes " + maxRawBytes + ", maxSkipsKept " + maxSkipsKept);
        }
        if (captionPrompt == null) {
            throw new IllegalArgumentException("captionPrompt is null");
        }
        imageRoot = imageRoot == null ? null : imageRoot.toAbsolutePath().normalize();
    }

    public ReaderOptions withImageRoot(Path root) {
        return new ReaderOptions(root, maxRecordChars, maxRawBytes, captionPrompt, maxSkipsKept);
    }

    public ReaderOptions withMaxRecordChars(int chars) {
        return new ReaderOptions(imageRoot, chars, maxRawBytes, captionPrompt, maxSkipsKept);
    }

    public ReaderOptions withMaxRawBytes(int bytes) {
        return new ReaderOptions(imageRoot, maxRecordChars, bytes, captionPrompt, maxSkipsKept);
    }

    public ReaderOptions withCaptionPrompt(String prompt) {
        return new ReaderOptions(imageRoot, maxRecordChars, maxRawBytes, prompt, maxSkipsKept);
    }

    public ReaderOptions withMaxSkipsKept(int kept) {
        return new ReaderOptions(imageRoot, maxRecordChars, maxRawBytes, captionPrompt, kept);
    }

    /** The image root that applies to {@code dataFile}. */
    Path imageRootFor(Path dataFile) {
        return imageRoot != null ? imageRoot : dataFile.toAbsolutePath().normalize().getParent();
    }
}
