package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.Record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Records from one or more data files, one at a time, in file order. A bad record is not an error:
 * it is counted in {@link #stats()} with its reason and provenance and the reader goes on to the
 * next one. Memory does not grow with the data: each reader holds one raw record at a time.
 */
public interface RecordReader extends AutoCloseable {

    /**
     * The next good record, or empty after the last one of the last file.
     *
     * @throws IOException naming the file, when a file cannot be read at all (gone, no permission, a disk
     *                     error); bad data inside a readable file is never an exception
     */
    Optional<Record> next() throws IOException;

    /** Delivered and skipped so far; complete once {@link #next()} has returned empty. */
    ReadStats stats();

    @Override
    void close() throws IOException;

    /** The remaining records; closing the stream closes this reader. I/O failures are {@link UncheckedIOException}s. */
    default Stream<Record> stream() {
        Iterator<Record> records = new Iterator<>() {
            private Record ahead;

            @Override
            public boolean hasNext() {
                if (ahead == null) {
                    try {
                        ahead = RecordReader.this.next().orElse(null);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return ahead != null;
            }

            @Override
            public Record next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Record r = ahead;
                ahead = null;
                return r;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(records,
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(() -> {
            try {
                close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
