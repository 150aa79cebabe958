package org.vlmdistill.distill.teacher;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CacheParts#ranges}: a cover of the records by contiguous, batch-aligned, non-empty ranges, as even as batches allow. */
class CachePartsTest {
    @Test
    void rangesCoverTheRecordsInOrderOnBatchBoundaries() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 10_000; trial++) {
            int records = random.nextInt(2_000);
            int partitions = 1 + random.nextInt(64);
            int batch = 1 + random.nextInt(32);
            List<CacheParts.Range> ranges = CacheParts.ranges(records, partitions, batch);
            String what = "seed " + seed + ": " + records + " records, " + partitions + " partitions, batch " + batch;
            int batches = (records + batch - 1) / batch;
            assertEquals(Math.max(1, Math.min(partitions, batches)), ranges.size(), what);
            int next = 0;
            int smallest = Integer.MAX_VALUE;
            int largest = 0;
            for (int p = 0; p < ranges.size(); p++) {
                CacheParts.Range r = ranges.get(p);
                assertEquals(p, r.index(), what);
                assertEquals(next, r.from(), what);
                assertEquals(0, r.from() % batch, what);
                assertTrue(r.to() > r.from() || records == 0, what);
                assertTrue(r.to() % batch == 0 || r.to() == records, what);
                int b = (r.to() - r.from() + batch - 1) / batch;
                smallest = Math.min(smallest, b);
                largest = Math.max(largest, b);
                next = r.to();
            }
            assertEquals(records, next, what);
            assertTrue(largest - smallest <= 1, what + ": batches per range " + smallest + ".." + largest);
        }
    }
}
