package org.vlmdistill.datasets.read;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The data file formats, each recognised by its extension. */
public enum Format {
    /** LLaVA conversations, one top-level JSON array. */
    LLAVA_JSON(".json"),
    /** LLaVA conversations, one JSON object per line. */
    LLAVA_JSONL(".jsonl"),
    /** A VLMEvalKit benchmark table (MMBench, SEED, ...), images base64 in a column or as paths. */
    VLMEVAL_TSV(".tsv"),
    /** A WebDataset shard: samples as consecutive tar members sharing a key. */
    WEBDATASET_TAR(".tar");

    private final String extension;

    Format(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** @throws IllegalArgumentException naming the file and the known extensions */
    public static Format of(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (Format f : values()) {
            if (name.endsWith(f.extension)) {
                return f;
            }
        }
        throw new IllegalArgumentException(file + ": unknown data file extension (known: "
                + Arrays.stream(values()).map(Format::extension).collect(Collectors.joining(", ")) + ")");
    }

    FormatReader open(Path file, ReaderOptions options, ReadStats stats) throws IOException {
        return switch (this) {
            case LLAVA_JSON -> new LlavaJsonReader(file, options, stats);
            case LLAVA_JSONL -> new LlavaJsonlReader(file, options, stats);
            case VLMEVAL_TSV -> new VlmEvalTsvReader(file, options, stats);
            case WEBDATASET_TAR -> new WebDatasetReader(file, options, stats);
        };
    }
}
