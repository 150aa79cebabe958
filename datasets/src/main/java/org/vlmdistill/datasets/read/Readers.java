package org.vlmdistill.datasets.read;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens data files for reading, each by its extension ({@link Format#of}), in the order given.
 *
 * <p>A file that cannot be read at all is an error, not a skip: {@link #open} checks every file
 * before the first record is read and throws naming the first one missing or unreadable, because a
 * wrong path in a file list is a mistake in the run's configuration, better found in the first second than
 * after an epoch of the other files. Bad data inside a readable file is always a counted skip.
 */
public final class Readers {
    private Readers() {}

    /**
     * @throws NoSuchFileException     naming a file that does not exist (or is not a regular file)
     * @throws AccessDeniedException   naming a file this process may not read
     * @throws IllegalArgumentException naming a file of unknown extension
     */
    public static RecordReader open(List<Path> files, ReaderOptions options) throws IOException {
        List<Format> formats = new ArrayList<>(files.size());
        for (Path f : files) {
            formats.add(Format.of(f));
            if (!Files.isRegularFile(f)) {
                throw new NoSuchFileException(f.toString(), null, "no such data file");
            }
            if (!Files.isReadable(f)) {
                throw new AccessDeniedException(f.toString(), null, "data file not readable");
            }
        }
        return new SequenceReader(files, formats, options);
    }

    /** Every file a pattern names, in order: {@code "shards/train-{000..099}.tar"}, see {@link BraceExpansion}. */
    public static List<Path> expand(String pattern) {
        return BraceExpansion.expand(pattern).stream().map(Path::of).toList();
    }
}
