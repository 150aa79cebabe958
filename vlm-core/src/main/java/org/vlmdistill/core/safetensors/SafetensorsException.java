package org.vlmdistill.core.safetensors;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A safetensors file, checkpoint index or tensor list that breaks the format: the one exception
 * that malformed input produces here. Unchecked, because a malformed checkpoint is not something a
 * caller can retry; plain I/O failures (a missing file, a permission error) stay {@code IOException}.
 *
 * <p>The message is {@code <file>: <problem>} or {@code <file>: tensor '<name>': <problem>}, so a
 * log line alone tells which file and which tensor to look at.
 */
public final class SafetensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    public SafetensorsException(Path file, String problem) {
        this(file, null, problem, null);
    }

    public SafetensorsException(Path file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    public SafetensorsException(Path file, String tensor, String problem, Throwable cause) {
        super(format(file, tensor, problem), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.tensor = tensor;
    }

    /** The file (or, for a checkpoint without index, the model directory) that is malformed. */
    public Path file() {
        return file;
    }

    /** The tensor the problem is about, when it is about one. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }

    private static String format(Path file, String tensor, String problem) {
        return tensor == null
                ? file + ": " + problem
                : file + ": tensor '" + tensor + "': " + problem;
    }
}
