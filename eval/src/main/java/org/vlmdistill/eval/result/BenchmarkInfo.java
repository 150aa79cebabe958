package org.vlmdistill.eval.result;

import org.vlmdistill.eval.bench.BenchProblem;
import org.vlmdistill.eval.bench.BenchmarkKind;

import java.util.List;
import java.util.Objects;

/**
 * A benchmark file as the report names it.
 *
 * @param name     the label in tables: the file name without extension, made unique
 * @param sha256   the file's SHA-256, hex
 * @param records  records the file holds (scorable items plus problems)
 * @param items    items scored (after {@code --limit})
 * @param chance   the headline score of guessing uniformly: mean of 1/options (multiple choice), 0.5
 *                 (yes/no), or NaN where guessing has no defined rate (open and exact answers)
 * @param problems records that are not items, and why
 */
public record BenchmarkInfo(String name, String path, String sha256, BenchmarkKind kind, int records, int items,
                            double chance, List<BenchProblem> problems) {
    public BenchmarkInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(kind, "kind");
        problems = List.copyOf(problems);
    }
}
