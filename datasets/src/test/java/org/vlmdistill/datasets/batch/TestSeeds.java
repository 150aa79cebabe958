package org.vlmdistill.datasets.batch;

import java.util.concurrent.ThreadLocalRandom;

/** A fresh seed per run, or {@code -Dbatch.test.seed=N} to replay one named in a failure message. */
final class TestSeeds {
    private TestSeeds() {
    }

    static long fresh() {
        String fixed = System.getProperty("batch.test.seed");
        return fixed != null ? Long.parseLong(fixed) : ThreadLocalRandom.current().nextLong();
    }
}
