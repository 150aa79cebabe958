package org.vlmdistill.distill.train;

import org.vlmdistill.core.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's {@code checkpoints/} directory. A checkpoint is written whole into a hidden temporary
 * directory and renamed to {@code step-N} in one atomic move ({@link AtomicFiles#writeDirectory}); the
 * rename is the commit, so a process killed at any moment leaves either the complete checkpoint or none
 * (plus hidden leftovers that the next run deletes). Old checkpoints are retired the same way: renamed
 * aside first, then deleted.
 *
 * <p>Layout of {@code step-N/}: {@code model/} (the student, HF layout, loads in transformers),
 * {@code optimizer.safetensors}, {@code trainer_state.json} (step, data cursor, loss state, counters,
 * seed), {@code run_config.json} (the resolved run config).
 */
public final class Checkpoints {
    public static final String MODEL = "model";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String TRAINER_STATE = "trainer_state.json";
    public static final String RUN_CONFIG = "run_config.json";
    private static final Pattern STEP = Pattern.compile("step-(\\d+)");

    private final Path dir;

    public Checkpoints(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** {@code step-N} under the checkpoints directory. */
    public Path pathOf(long step) {
        return dir.resolve("step-" + step);
    }

    /** Writes a checkpoint for {@code step} atomically, then keeps only the newest {@code keep}. */
    public Path save(long step, int keep, AtomicFiles.DirectoryBody writer) throws IOException {
        Path target = pathOf(step);
        AtomicFiles.writeDirectory(target, staging -> {
            writer.writeInto(staging);
            if (!Files.exists(staging.resolve(TRAINER_STATE))) {
                throw new IllegalStateException("a checkpoint without " + TRAINER_STATE);
            }
        });
        List<Path> all = complete();
        for (int i = 0; i < all.size() - keep; i++) {
            AtomicFiles.deleteDirectory(all.get(i));
        }
        return target;
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> complete() {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (STEP.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(TRAINER_STATE))) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        found.sort(Comparator.comparingLong(Checkpoints::stepOf));
        return found;
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> newest() {
        List<Path> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** Deletes what a killed writer left behind: temporary and half-retired directories. */
    public int cleanLeftovers() throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".*")) {
            for (Path p : s) {
                AtomicFiles.deleteTree(p);
                n++;
            }
        }
        return n;
    }

    public static long stepOf(Path checkpoint) {
        Matcher m = STEP.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(checkpoint + " is not a step-N checkpoint directory");
        }
        return Long.parseLong(m.group(1));
    }
}
