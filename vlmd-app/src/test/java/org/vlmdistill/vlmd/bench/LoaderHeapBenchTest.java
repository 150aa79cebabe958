package org.vlmdistill.vlmd.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.record.Record;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's file is what it claims and every record of it is read; the figures themselves are in BENCHMARKS.md. */
class LoaderHeapBenchTest {
    @TempDir
    Path tmp;

    @Test
    void theGeneratedFileIsValidLlavaAndIsReadWhole() throws IOException {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Path file = LoaderHeapBench.makeJsonl(tmp, 400, quiet);

        List<Record> records = new ArrayList<>();
        try (RecordReader reader = Readers.open(List.of(file), ReaderOptions.DEFAULTS)) {
            for (Optional<Record> r = reader.next(); r.isPresent(); r = reader.next()) {
                records.add(r.get());
            }
        }
        assertEquals(400, records.size());
        for (Record r : records) {
            assertEquals(1, r.images().size());
            assertEquals(1, r.placeholderCount());
            assertTrue(r.turns().size() >= 2 && r.turns().size() <= 4, r.turns().toString());
        }

        LoaderHeapBench.Result result = LoaderHeapBench.measure(file, 400, 4);
        assertEquals(400, result.delivered());
        assertEquals(0, result.skipped());
        assertTrue(result.collections() >= 4, "the forced GCs are seen: " + result);
        assertTrue(result.live() > 0 && result.poolPeak() >= result.afterGc() / 2, result.toString());
        assertEquals(file, LoaderHeapBench.makeJsonl(tmp, 400, quiet), "written once, then reused");
    }
}
