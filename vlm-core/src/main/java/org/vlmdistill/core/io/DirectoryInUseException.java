package org.vlmdistill.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An output directory another run holds ({@link DirectoryLock}): the caller's to resolve (wait, or
 * choose another directory), so the command line exits 2.
 */
public final class DirectoryInUseException extends IOException {
    private final transient Path directory;
    private final transient DirectoryLock.Holder holder;

    DirectoryInUseException(Path directory, Optional<DirectoryLock.Holder> holder) {
        super(directory + " is in use by " + holder.map(DirectoryLock.Holder::describe)
                .orElse("another process (its lock file is still being written)")
                + "; wait for it to finish or choose another directory");
        this.directory = directory;
        this.holder = holder.orElse(null);
    }

    public Path directory() {
        return directory;
    }

    /** Who holds it, as its lock file says; empty when the holder had not written it yet. */
    public Optional<DirectoryLock.Holder> holder() {
        return Optional.ofNullable(holder);
    }
}
