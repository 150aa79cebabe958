package org.vlmdistill.datasets.shapes;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ShapesDataset#write} wrote: the directory, the seed that remakes it, each split, and
 * how many test samples also went to the multiple-choice file.
 */
public record ShapesSummary(Path dir, long seed, SplitSummary train, SplitSummary test, int multipleChoice) {
    public ShapesSummary {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
    }

    /** Samples per kind over both splits. */
    public Map<QuestionKind, Integer> kinds() {
        Map<QuestionKind, Integer> all = new EnumMap<>(QuestionKind.class);
        train.kinds().forEach((k, n) -> all.merge(k, n, Integer::sum));
        test.kinds().forEach((k, n) -> all.merge(k, n, Integer::sum));
        return all;
    }

    public int yes() {
        return train.yes() + test.yes();
    }

    public int no() {
        return train.no() + test.no();
    }
}
