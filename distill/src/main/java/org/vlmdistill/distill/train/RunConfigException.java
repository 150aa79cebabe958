package org.vlmdistill.distill.train;

import java.nio.file.Path;
import java.util.List;

/** A run config with problems; the message lists every one, each with its JSON path. */
public final class RunConfigException extends IllegalArgumentException {
    private final Path file;
    private final List<String> problems;

    public RunConfigException(Path file, List<String> problems) {
        super(file + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  "
                + String.join("\n  ", problems));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public Path file() {
        return file;
    }

    public List<String> problems() {
        return problems;
    }
}
