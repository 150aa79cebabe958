package org.vlmdistill.datasets.record;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a record (or a rejected one) came from: the file, and the place inside it a person can
 * find it by: {@code "line 12"}, {@code "element 3"}, {@code "row 7"}, {@code "member 000123"}.
 */
public record Provenance(Path file, String location) {
    public Provenance {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(location, "location");
    }

    @Override
    public String toString() {
        return file + " " + location;
    }
}
