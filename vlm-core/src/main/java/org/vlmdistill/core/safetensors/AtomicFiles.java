package org.vlmdistill.core.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Write-then-rename: the content goes to a hidden temp file in the target's directory (same file
 * system, so the rename is atomic), is fsynced, and only then renamed over the target. A reader
 * therefore sees the old file or the complete new one, never a prefix; on any failure the temp
 * file is deleted and the target is untouched.
 */
final class AtomicFiles {
    @FunctionalInterface
    interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    static void write(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Not Files.createTempFile: it makes the file owner-only (0600), and the result should get
        // the permissions any new file in that directory gets.
        Path temp = dir.resolve("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        syncDirectory(dir);
    }

    /**
     * Makes the rename itself durable (POSIX keeps directory entries in the directory's own
     * blocks). Best effort: some platforms (Windows) cannot open a directory as a channel, and
     * the file content is already on disk either way.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // The rename is done; only its durability across a power cut is not guaranteed here.
        }
    }
}
