package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Record;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Files one after another, each opened only when the one before is finished. */
final class SequenceReader implements RecordReader {
    private final List<Path> files;
    private final List<Format> formats;
    private final ReaderOptions options;
    private final ReadStats stats;
    private int nextFile;
    private FormatReader current;

    SequenceReader(List<Path> files, List<Format> formats, ReaderOptions options) {
        this.files = List.copyOf(files);
        this.formats = List.copyOf(formats);
        this.options = options;
        this.stats = new ReadStats(options.maxSkipsKept());
    }

    @Override
    public Optional<Record> next() throws IOException {
        while (true) {
            if (current == null) {
                if (nextFile == files.size()) {
                    return Optional.empty();
                }
                Path file = files.get(nextFile);
                try {
                    current = formats.get(nextFile).open(file, options, stats);
                } catch (IOException e) {
                    throw named(file, e);
                }
                nextFile++;
            }
            Record r;
            try {
                r = current.next();
            } catch (IOException e) {
                throw named(current.file, e);
            }
            if (r != null) {
                stats.countDelivered();
                return Optional.of(r);
            }
            FormatReader done = current;
            current = null;
            done.close();
        }
    }

    private static IOException named(Path file, IOException e) {
        return new IOException(file + ": cannot be read: " + e, e);
    }

    @Override
    public ReadStats stats() {
        return stats;
    }

    @Override
    public void close() throws IOException {
        nextFile = files.size();
        if (current != null) {
            FormatReader open = current;
            current = null;
            open.close();
        }
    }
}
