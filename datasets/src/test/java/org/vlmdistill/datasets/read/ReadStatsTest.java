package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;
import org.vlmdistill.datasets.record.Provenance;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadStatsTest {
    @Test
    void everySkipIsCountedButOnlyTheFirstOnesAreKept() {
        ReadStats stats = new ReadStats(2);
        for (int i = 1; i <= 5; i++) {
            stats.skip(new SkippedRecord(new Provenance(Path.of("f.jsonl"), "line " + i),
                    i % 2 == 0 ? SkipReason.TOO_LONG : SkipReason.MALFORMED_JSON, "d" + i));
        }
        stats.countDelivered();

        assertEquals(5, stats.skipped());
        assertEquals(1, stats.delivered());
        assertEquals(Map.of(SkipReason.MALFORMED_JSON, 3L, SkipReason.TOO_LONG, 2L), stats.skippedByReason());
        assertEquals(2, stats.skippedRecords().size());
        String report = stats.report();
        assertTrue(report.startsWith("delivered 1, skipped 5 (malformed JSON 3, longer than the limit 2)"), report);
        assertTrue(report.contains("f.jsonl line 2: longer than the limit: d2"), report);
        assertTrue(report.contains("and 3 more"), report);
    }
}
