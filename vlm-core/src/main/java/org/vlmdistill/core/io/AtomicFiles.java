package org.vlmdistill.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
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
public final class AtomicFiles {
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Fills a directory (the staging one {@link #writeDirectory} hands it). */
    @FunctionalInterface
    public interface DirectoryBody {
        void writeInto(Path dir) throws IOException;
    }

    /** Whether the content and the rename are forced to disk before the write returns. */
    public enum Durability {
        /** fsync the file and its directory: model checkpoints, anything costly to remake. */
        SYNC,
        /** Only the rename's atomicity: files remade in seconds (a synthetic data set's images). */
        NO_SYNC
    }

    private AtomicFiles() {
    }

    public static void write(Path target, Body body) throws IOException {
        write(target, body, Durability.SYNC);
    }

    public static void write(Path target, byte[] bytes, Durability durability) throws IOException {
        write(target, channel -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }, durability);
    }

    public static void write(Path target, Body body, Durability durability) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Not Files.createTempFile: it makes the file owner-only (0600), and the result should get
        // the permissions any new file in that directory gets.
        Path temp = tempBeside(absolute);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                if (durability == Durability.SYNC) {
                    channel.force(true);
                }
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            if (failure instanceof IOException io) {
                throw naming(absolute, io);
            }
            throw failure;
        }
        if (durability == Durability.SYNC) {
            syncDirectory(dir);
        }
    }

    /**
     * A text file written line by line to the temp file and renamed over {@code target} on
     * {@link TextFile#commit()}; closed without a commit, the temp file is deleted and the target
     * is untouched.
     */
    public static TextFile openText(Path target, Durability durability) throws IOException {
        return new TextFile(target.toAbsolutePath(), durability);
    }

    public static final class TextFile implements java.io.Closeable {
        private final Path target;
        private final Path temp;
        private final Durability durability;
        private final FileChannel channel;
        private final java.io.Writer writer;
        private boolean committed;

        private TextFile(Path target, Durability durability) throws IOException {
            this.target = target;
            this.temp = tempBeside(target);
            this.durability = durability;
            this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.writer = new java.io.BufferedWriter(java.nio.channels.Channels.newWriter(channel,
                    java.nio.charset.StandardCharsets.UTF_8), 1 << 16);
        }

        /** Appends {@code line} and a {@code \n}. */
        public void writeLine(String line) throws IOException {
            try {
                writer.write(line);
                writer.write('\n');
            } catch (IOException e) {
                throw naming(target, e);
            }
        }

        public void commit() throws IOException {
            try {
                writer.flush();
                if (durability == Durability.SYNC) {
                    channel.force(true);
                }
            } catch (IOException e) {
                throw naming(target, e);
            }
            writer.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
            if (durability == Durability.SYNC) {
                syncDirectory(target.getParent());
            }
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                try {
                    writer.close();
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
        }
    }

    /**
     * {@code e} with {@code target} in its message: a failed write or fsync says only the reason
     * ({@code No space left on device}, {@code Input/output error}), which leaves a user guessing which
     * file of a run failed. Exceptions that already name a file (every {@link FileSystemException}) are
     * kept as they are.
     */
    public static IOException naming(Path target, IOException e) {
        if (e instanceof FileSystemException || String.valueOf(e.getMessage()).contains(target.toString())) {
            return e;
        }
        FileSystemException named = new FileSystemException(target.toString(), null, e.getMessage());
        named.initCause(e);
        return named;
    }

    /** Hidden, beside the target: the same file system, so the rename is atomic. */
    private static Path tempBeside(Path absolute) {
        return absolute.resolveSibling("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    }

    /**
     * Makes the rename itself durable (POSIX keeps directory entries in the directory's own
     * blocks). Best effort: some platforms (Windows) cannot open a directory as a channel, and
     * the file content is already on disk either way.
     */
    /**
     * A directory written whole: {@code body} fills a hidden staging directory beside {@code target}
     * (same file system), which is then renamed onto {@code target} in one atomic move; an existing
     * {@code target} is moved aside first and deleted after. A process killed at any moment leaves the
     * old directory, the new one, or none, plus hidden {@code .NAME.tmp-*} / {@code .NAME.old-*}
     * leftovers; never a half-written {@code target}. On failure the staging directory is deleted.
     * The body writes its files durably (e.g. with {@link #write}); the renames are fsynced.
     */
    public static void writeDirectory(Path target, DirectoryBody body) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + absolute.getFileName() + ".tmp-");
        try {
            body.writeInto(staging);
            if (Files.exists(absolute)) {
                Path old = moveAside(absolute);
                Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
        syncDirectory(parent);
    }

    /** Deletes a directory as a unit: renamed aside (hidden, atomic) first, so it never stands half-deleted. */
    public static void deleteDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            deleteTree(moveAside(dir.toAbsolutePath().normalize()));
        }
    }

    private static Path moveAside(Path dir) throws IOException {
        Path aside = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".old-");
        Files.delete(aside);
        Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }

    /** Deletes {@code root} and everything under it; nothing when it does not exist. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // The rename is done; only its durability across a power cut is not guaranteed here.
        }
    }
}
