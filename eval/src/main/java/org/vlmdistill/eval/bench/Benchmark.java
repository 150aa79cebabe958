package org.vlmdistill.eval.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A benchmark file read into items.
 *
 * @param name     the file name without its extension
 * @param sha256   the file's SHA-256, hex: which version of the benchmark a score belongs to
 * @param records  records considered: {@code items.size() + problems.size()} (up to the limit)
 * @param problems records that are not items, and why
 */
public record Benchmark(String name, Path file, String sha256, BenchmarkKind kind, int records, List<BenchItem> items,
                        List<BenchProblem> problems) {
    public Benchmark {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(kind, "kind");
        items = List.copyOf(items);
        problems = List.copyOf(problems);
    }

    /**
     * The headline score of uniform guessing: the mean of 1/options (multiple choice), 1/2 (yes/no), NaN
     * for free answers, where guessing has no defined rate.
     */
    public double chance() {
        return switch (kind) {
            case MULTIPLE_CHOICE -> items.stream().filter(i -> !i.choices().isEmpty())
                    .mapToDouble(i -> 1.0 / i.choices().size()).average().orElse(Double.NaN);
            case YES_NO -> 0.5;
            case OPEN, EXACT -> Double.NaN;
        };
    }

    /** This benchmark under another name (two files of the same name in one report). */
    public Benchmark named(String other) {
        return new Benchmark(other, file, sha256, kind, records, items, problems);
    }
}
