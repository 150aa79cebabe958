package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/** One data file of one format; {@link SequenceReader} chains them and counts deliveries. */
abstract sealed class FormatReader implements Closeable
        permits LlavaJsonReader, LlavaJsonlReader, VlmEvalTsvReader, WebDatasetReader {
    final Path file;
    final ReaderOptions options;
    final ReadStats stats;

    FormatReader(Path file, ReaderOptions options, ReadStats stats) {
        this.file = file;
        this.options = options;
        this.stats = stats;
    }

    /** The next good record of this file, or {@code null} at its end; bad ones go to {@link #stats}. */
    abstract Record next() throws IOException;

    final Provenance at(String location) {
        return new Provenance(file, location);
    }

    final void skip(String location, RecordRejected rejected) {
        stats.skip(rejected.at(at(location)));
    }

    final void skip(String location, SkipReason reason, String detail) {
        stats.skip(new SkippedRecord(at(location), reason, RecordRejected.clip(detail)));
    }
}
