package org.vlmdistill.datasets.shapes;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A text file written to a hidden temp file beside its target and renamed over it on
 * {@link #commit()}; closed without a commit, the temp file is deleted and the target untouched.
 * So a reader, or a run killed half-way, never sees half a file.
 *
 * <p>Not fsynced (vlm-core's safetensors writer is): a Shapes set is remade from its seed in
 * seconds, while an fsync per image would cost more than making it.
 */
final class AtomicFile implements Closeable {
    private final Path target;
    private final Path temp;
    private final Writer writer;
    private boolean committed;

    private AtomicFile(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        this.temp = tempBeside(this.target);
        this.writer = new BufferedWriter(new OutputStreamWriter(
                Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                StandardCharsets.UTF_8), 1 << 16);
    }

    static AtomicFile create(Path target) throws IOException {
        return new AtomicFile(target);
    }

    /** Appends {@code line} and a {@code \n}. */
    void writeLine(String line) throws IOException {
        writer.write(line);
        writer.write('\n');
    }

    void commit() throws IOException {
        writer.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        committed = true;
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

    /** Writes {@code bytes} to {@code target} the same way: temp file, then rename. */
    static void write(Path target, byte[] bytes) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path temp = tempBeside(absolute);
        try {
            Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    /** Same directory, so the rename stays on one file system and is atomic. */
    private static Path tempBeside(Path target) {
        return target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    }
}
