package org.vlmdistill.distill.teacher;

import java.io.IOException;
import java.nio.file.Path;

/** A cache file that is not what the index or the format says; the message names the file. */
public final class CacheFormatException extends IOException {
    private final Path file;

    public CacheFormatException(Path file, String what) {
        super(file + ": " + what);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
