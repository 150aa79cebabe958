package org.vlmdistill.core.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Turns a file name read from a model file (a shard name in an index) into a path, refusing any
 * that would leave the model directory: absolute names, {@code ..} that climbs out, and symbolic
 * links (anywhere along the path) whose target lies outside.
 *
 * <p>One exception, for the Hugging Face hub cache: there a model directory is
 * {@code models--org--name/snapshots/<revision>/} and every file in it is a symlink to
 * {@code models--org--name/blobs/<sha>}. For a directory named like that, targets inside the sibling
 * {@code blobs} directory are accepted too. The name itself must still stay inside the directory.
 */
final class ConfinedPaths {
    private ConfinedPaths() {
    }

    /**
     * @param source the model file the name comes from (or the directory, for fixed names), for messages
     * @param root   the model directory
     * @param role   what the name is, for messages: "shard" or "file"
     * @param tensor a tensor that refers to the name, for messages; may be null
     * @return {@code root/name}, normalized: an existing regular file confined as described above
     */
    static Path resolve(Path source, Path root, String name, String role, String tensor) throws IOException {
        Path realRoot = root.toRealPath();
        Path relative;
        try {
            relative = realRoot.getFileSystem().getPath(name);
        } catch (InvalidPathException e) {
            throw new SafetensorsException(source, tensor, role + " name '" + name + "' is not a valid file name");
        }
        if (name.isEmpty() || relative.isAbsolute() || relative.getRoot() != null) {
            throw new SafetensorsException(source, tensor, role + " name '" + name
                    + "' must be a relative file name inside " + root);
        }
        Path lexical = realRoot.resolve(relative).normalize();
        if (!lexical.startsWith(realRoot) || lexical.equals(realRoot)) {
            throw new SafetensorsException(source, tensor, role + " name '" + name + "' escapes the model directory "
                    + root);
        }
        if (!Files.exists(lexical)) {
            throw new SafetensorsException(source, tensor, role + " '" + name + "' does not exist (looked for "
                    + lexical + ")");
        }
        Path real = lexical.toRealPath();
        if (!real.startsWith(realRoot) && !real.startsWith(hubBlobs(realRoot))) {
            throw new SafetensorsException(source, tensor, role + " '" + name + "' is a symbolic link to " + real
                    + ", outside the model directory " + root);
        }
        if (!Files.isRegularFile(real)) {
            throw new SafetensorsException(source, tensor, role + " '" + name + "' is not a regular file");
        }
        // The name as the user sees it (inside the snapshot, not the blob it links to); checked above.
        return root.resolve(relative).normalize();
    }

    /** {@code .../snapshots/<rev>} → {@code .../blobs}; otherwise the root itself (no extra room). */
    private static Path hubBlobs(Path realRoot) {
        Path snapshots = realRoot.getParent();
        if (snapshots == null || snapshots.getParent() == null
                || !snapshots.getFileName().toString().equals("snapshots")) {
            return realRoot;
        }
        return snapshots.getParent().resolve("blobs");
    }
}
