package org.vlmdistill.datasets.read;

import org.vlmdistill.datasets.record.ImageSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The directory a data file's image paths are confined to. Nothing in a data file is trusted as a
 * path: an absolute path, a {@code ..} that climbs out, or a symlink whose target lies outside is
 * refused, the last by comparing real paths (every link resolved) of the image and of the root.
 * The delivered path is the real one, so a link swapped after the check changes nothing.
 */
final class ImageRoot {
    private final Path root;
    private Path realRoot; // resolved on first use: a text-only data set needs no root at all

    ImageRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path path() {
        return root;
    }

    /**
     * @param field where the path came from, for the message ({@code "image"}, {@code "images[2]"})
     * @throws RecordRejected {@link SkipReason#IMAGE_OUTSIDE_ROOT}, {@link SkipReason#MISSING_IMAGE}
     */
    ImageSource.File resolve(String field, String relative) throws RecordRejected {
        if (relative.isBlank()) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + " is an empty path");
        }
        Path rel;
        try {
            rel = Path.of(relative);
        } catch (InvalidPathException e) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + " '" + relative + "' is not a path: "
                    + e.getReason());
        }
        if (rel.isAbsolute()) {
            throw new RecordRejected(SkipReason.IMAGE_OUTSIDE_ROOT, field + " '" + relative
                    + "' is absolute; image paths are relative to the image root " + root);
        }
        Path candidate = root.resolve(rel).normalize();
        if (!candidate.startsWith(root)) {
            throw new RecordRejected(SkipReason.IMAGE_OUTSIDE_ROOT, field + " '" + relative
                    + "' leaves the image root " + root);
        }
        if (candidate.equals(root)) {
            throw new RecordRejected(SkipReason.MISSING_IMAGE, field + " '" + relative
                    + "' names the image root itself, not an image file");
        }
        Path real;
        try {
            if (realRoot == null) {
                realRoot = root.toRealPath();
            }
            real = candidate.toRealPath();
        } catch (IOException e) {
            String what = Files.exists(candidate, LinkOption.NOFOLLOW_LINKS) ? "is a broken link" : "does not exist";
            if (realRoot == null) {
                what = "cannot be found: the image root " + root + " does not exist";
            }
            throw new RecordRejected(SkipReason.MISSING_IMAGE, field + " '" + relative + "' " + what
                    + (realRoot == null ? "" : " (looked for " + candidate + ")"));
        }
        if (!real.startsWith(realRoot)) {
            throw new RecordRejected(SkipReason.IMAGE_OUTSIDE_ROOT, field + " '" + relative
                    + "' is a link to " + real + ", outside the image root " + realRoot);
        }
        if (!Files.isRegularFile(real)) {
            throw new RecordRejected(SkipReason.MISSING_IMAGE, field + " '" + relative + "' is not a regular file");
        }
        return new ImageSource.File(real);
    }
}
