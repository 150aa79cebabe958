package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.loss.TeacherLogits;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Write, read back, the size report, the teacher source's rows, and every way a cache can be wrong. */
class TeacherCacheTest {

    private record Sample(String id, int[] textIndex, TopKTruncation.Kept[] kept) {
    }

    private static List<Sample> randomSamples(Random random, int count, int vocab, int maxKept) {
        List<Sample> samples = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int positions = random.nextInt(12);
            int[] textIndex = random.ints(0, 1000).distinct().limit(positions).toArray();
            TopKTruncation.Kept[] kept = new TopKTruncation.Kept[positions];
            for (int p = 0; p < positions; p++) {
                int n = 1 + random.nextInt(maxKept);
                int[] ids = random.ints(0, vocab).distinct().limit(n).toArray();
                float[] lp = new float[ids.length];
                for (int i = 0; i < lp.length; i++) {
                    lp[i] = (float) (-20 * random.nextDouble());
                }
                kept[p] = new TopKTruncation.Kept(ids, lp);
            }
            samples.add(new Sample("sample-" + s + (s % 7 == 0 ? "-ünïcode" : ""), textIndex, kept));
        }
        return samples;
    }

    private static CacheMeta meta(int vocab, CacheFormat.LogProbDtype dtype, long shardBytes) {
        return new CacheMeta("tiny teacher (test)", "random (test)", vocab, TopKTruncation.defaults(), dtype, shardBytes);
    }

    private static CacheSummary write(Path dir, CacheMeta meta, List<Sample> samples) throws IOException {
        try (TeacherCacheWriter w = TeacherCacheWriter.open(dir, meta)) {
            for (Sample s : samples) {
                w.addTruncated(s.id(), s.textIndex(), s.kept());
            }
            return w.finish();
        }
    }

    private static float stored(float x, CacheFormat.LogProbDtype dtype) {
        return dtype == CacheFormat.LogProbDtype.FLOAT16 ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
    }

    @Test
    void randomDataRoundTripsOverSeveralShardsFromManyThreads(@TempDir Path tmp) throws Exception {
        for (CacheFormat.LogProbDtype dtype : CacheFormat.LogProbDtype.values()) {
            Path dir = tmp.resolve(dtype.jsonName());
            List<Sample> samples = randomSamples(new Random(7), 200, 5000, 60);
            CacheSummary summary = write(dir, meta(5000, dtype, 4096), samples);
            long shards;
            try (Stream<Path> files = Files.list(dir)) {
                shards = files.filter(f -> CacheFormat.isShardName(f.getFileName().toString())).count();
            }
            assertTrue(shards > 3, "a 4 KiB limit makes several shards: " + shards);
            assertEquals(shards, summary.shards());
            try (TeacherCache cache = TeacherCache.open(dir)) {
                cache.verify();
                assertEquals(200, cache.sampleCount());
                assertEquals(dtype, cache.logProbDtype());
                assertEquals("tiny teacher (test)", cache.teacher());
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<?>> done = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        done.add(pool.submit(() -> {
                            for (Sample s : samples) {
                                CachedSample read = cache.lookup(s.id());
                                assertEquals(s.textIndex().length, read.positions());
                                for (int p = 0; p < s.textIndex().length; p++) {
                                    int at = read.positionOf(s.textIndex()[p]);
                                    assertEquals(p, at);
                                    assertArrayEquals(s.kept()[p].ids(), read.ids(at));
                                    float[] expected = s.kept()[p].logProbs().clone();
                                    for (int i = 0; i < expected.length; i++) {
                                        expected[i] = stored(expected[i], dtype);
                                    }
                                    assertArrayEquals(expected, read.logProbs(at));
                                }
                                assertEquals(-1, read.positionOf(5000));
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get();
                    }
                } finally {
                    pool.shutdown();
                }
                assertNull(cache.lookup("no such sample"));
            }
        }
    }

    @Test
    void theWriterTruncatesTeacherRowsAndTheSummaryCountsBytes(@TempDir Path tmp) throws Exception {
        int vocab = 300;
        Random random = new Random(2);
        TopKTruncation rule = new TopKTruncation(0.9, 8, 1.5);
        CacheMeta meta = new CacheMeta("t", "d", vocab, rule, CacheFormat.LogProbDtype.FLOAT32, 1 << 20);
        float[][] rows = new float[5][vocab];
        for (float[] row : rows) {
            for (int i = 0; i < vocab; i++) {
                row[i] = (float) (random.nextGaussian() * 3);
            }
        }
        int[] textIndex = {4, 5, 6, 9, 10};
        CacheSummary summary;
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             TeacherCacheWriter w = TeacherCacheWriter.open(tmp, meta)) {
            float[] flat = new float[5 * vocab];
            for (int r = 0; r < 5; r++) {
                System.arraycopy(rows[r], 0, flat, r * vocab, vocab);
            }
            try (NDArray logits = manager.create(flat, new Shape(5, vocab))) {
                w.add("a", textIndex, logits);
            }
            w.add("b", new int[] {0, 1}, new float[][] {rows[0], rows[1]});
            assertThrows(IllegalArgumentException.class, () -> w.add("a", new int[] {0}, new float[][] {rows[0]}),
                    "a sample id twice");
            summary = w.finish();
        }
        long onDisk;
        try (Stream<Path> files = Files.list(tmp)) {
            onDisk = files.mapToLong(f -> f.toFile().length()).sum();
        }
        assertEquals(onDisk, summary.bytes());
        assertEquals(2, summary.samples());
        assertEquals(7, summary.positions());
        try (TeacherCache cache = TeacherCache.open(tmp)) {
            assertEquals(rule, cache.truncation());
            CachedSample a = cache.lookup("a");
            long kept = 0;
            for (int r = 0; r < 5; r++) {
                TopKTruncation.Kept expected = rule.truncate(rows[r]);
                assertArrayEquals(expected.ids(), a.ids(a.positionOf(textIndex[r])));
                assertArrayEquals(expected.logProbs(), a.logProbs(a.positionOf(textIndex[r])));
                kept += expected.count();
            }
            CachedSample b = cache.lookup("b");
            kept += b.count(0) + b.count(1);
            assertEquals(kept, summary.keptTokens());
            assertEquals((double) kept / 7, summary.meanKeptPerPosition(), 1e-12);
            assertEquals(4.0 * vocab * 7 / onDisk, summary.ratioVsFullFp32(), 1e-9);
        }
    }

    @Test
    void topFiftyAtQwenVocabularyIsAboutTwoThousandTimesSmallerThanFp32(@TempDir Path tmp) throws Exception {
        int vocab = 151_936;
        Random random = new Random(4);
        CacheSummary summary;
        try (TeacherCacheWriter w = TeacherCacheWriter.open(tmp, CacheMeta.of("t", "d", vocab, TopKTruncation.defaults()))) {
            for (int s = 0; s < 40; s++) {
                TopKTruncation.Kept[] kept = new TopKTruncation.Kept[256];
                int[] textIndex = new int[256];
                for (int p = 0; p < 256; p++) {
                    textIndex[p] = p;
                    float[] lp = new float[50];
                    for (int i = 0; i < 50; i++) {
                        lp[i] = (float) (-i * 0.2 - random.nextDouble());
                    }
                    kept[p] = new TopKTruncation.Kept(random.ints(0, vocab).distinct().limit(50).toArray(), lp);
                }
                w.addTruncated("s" + s, textIndex, kept);
            }
            summary = w.finish();
        }
        System.out.println("k = 50 at V = 151936, fp16: " + summary.describe());
        // 6 bytes a position + 50 x (4 + 2), plus a sample header and the index, amortized
        assertEquals(306, summary.bytesPerPosition(), 1.0);
        assertEquals(4.0 * vocab / 306, summary.ratioVsFullFp32(), 5);
        assertEquals(50, summary.meanKeptPerPosition(), 0);
    }

    @Test
    void cachedTeacherRowsHoldTheStoredLogProbsAndMinusInfinityElsewhere(@TempDir Path tmp) throws Exception {
        int vocab = 64;
        List<Sample> samples = randomSamples(new Random(9), 4, vocab, 10);
        write(tmp, meta(vocab, CacheFormat.LogProbDtype.FLOAT32, 1 << 20), samples);
        // rows: every position of samples 1 and 3, in a batch of [3, 1]
        List<String> batchIds = List.of(samples.get(3).id(), samples.get(1).id());
        List<long[]> picks = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            Sample s = b == 0 ? samples.get(3) : samples.get(1);
            for (int p = 0; p < s.textIndex().length; p++) {
                picks.add(new long[] {b, p});
            }
        }
        int n = picks.size();
        int[] batchRow = new int[n];
        int[] textIndex = new int[n];
        for (int r = 0; r < n; r++) {
            batchRow[r] = (int) picks.get(r)[0];
            Sample s = batchRow[r] == 0 ? samples.get(3) : samples.get(1);
            textIndex[r] = s.textIndex()[(int) picks.get(r)[1]];
        }
        AlignedRows rows = new AlignedRows(new long[n], new long[0], new long[n], batchRow, textIndex, batchIds);
        try (CachedTeacher teacher = CachedTeacher.open(tmp);
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertTrue(teacher.truncated());
            assertEquals("cache: " + tmp + " (top-p 0.95, top-k 50, tau 1)", teacher.describe());
            TeacherLogits logits = teacher.forStep(null, rows, vocab, manager);
            int from = n / 3;
            try (NDArray chunk = logits.rows(from, n)) {
                assertEquals(new Shape(n - from, vocab), chunk.getShape());
                float[] values = chunk.toFloatArray();
                for (int r = from; r < n; r++) {
                    Sample s = batchRow[r] == 0 ? samples.get(3) : samples.get(1);
                    TopKTruncation.Kept k = s.kept()[(int) picks.get(r)[1]];
                    float[] expected = new float[vocab];
                    java.util.Arrays.fill(expected, Float.NEGATIVE_INFINITY);
                    for (int i = 0; i < k.count(); i++) {
                        expected[k.ids()[i]] = k.logProbs()[i];
                    }
                    assertArrayEquals(expected, java.util.Arrays.copyOfRange(values, (r - from) * vocab,
                            (r - from + 1) * vocab), "row " + r);
                }
            }
            int maxId = 0;
            for (Sample s : List.of(samples.get(1), samples.get(3))) {
                for (TopKTruncation.Kept k : s.kept()) {
                    for (int id : k.ids()) {
                        maxId = Math.max(maxId, id);
                    }
                }
            }
            int shared = maxId;
            IllegalStateException outside = assertThrows(IllegalStateException.class,
                    () -> teacher.forStep(null, rows, shared, manager));
            assertTrue(outside.getMessage().contains("outside the shared vocabulary of " + shared), outside.getMessage());
        }
    }

    @Test
    void aMissingSampleOrTextIndexNamesItAndTheCache(@TempDir Path tmp) throws Exception {
        List<Sample> samples = randomSamples(new Random(1), 3, 100, 5);
        Sample present = samples.stream().filter(s -> s.textIndex().length > 0).findFirst().orElseThrow();
        write(tmp, meta(100, CacheFormat.LogProbDtype.FLOAT16, 1 << 20), samples);
        try (CachedTeacher teacher = CachedTeacher.open(tmp);
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            AlignedRows unknown = new AlignedRows(new long[1], new long[0], new long[1], new int[] {0}, new int[] {17},
                    List.of("not-in-cache"));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> teacher.forStep(null, unknown, 100, manager));
            assertTrue(e.getMessage().contains("not-in-cache") && e.getMessage().contains("text index 17")
                    && e.getMessage().contains(tmp.toString()) && e.getMessage().contains("other data or another template"),
                    e.getMessage());
            AlignedRows noIndex = new AlignedRows(new long[1], new long[0], new long[1], new int[] {0},
                    new int[] {5000}, List.of(present.id()));
            e = assertThrows(IllegalStateException.class, () -> teacher.forStep(null, noIndex, 100, manager));
            assertTrue(e.getMessage().contains(present.id()) && e.getMessage().contains("text index 5000")
                    && e.getMessage().contains(tmp.toString()), e.getMessage());
        }
    }

    @Test
    void aCorruptedShardFailsItsChecksumNamingTheShard(@TempDir Path tmp) throws Exception {
        List<Sample> samples = randomSamples(new Random(3), 50, 1000, 20);
        write(tmp, meta(1000, CacheFormat.LogProbDtype.FLOAT16, 1 << 20), samples);
        Path shard = tmp.resolve("shard-00000.bin");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x10);
        }
        try (TeacherCache cache = TeacherCache.open(tmp)) {
            CacheFormatException e = assertThrows(CacheFormatException.class, () -> cache.lookup(samples.get(0).id()));
            assertEquals(shard, e.file());
            assertTrue(e.getMessage().startsWith(shard.toString()) && e.getMessage().contains("CRC32"), e.getMessage());
            assertThrows(CacheFormatException.class, cache::verify);
        }
    }

    @Test
    void aTruncatedShardIsRefusedOnOpen(@TempDir Path tmp) throws Exception {
        write(tmp, meta(1000, CacheFormat.LogProbDtype.FLOAT16, 2048), randomSamples(new Random(3), 50, 1000, 20));
        Path shard = tmp.resolve("shard-00001.bin");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        CacheFormatException e = assertThrows(CacheFormatException.class, () -> TeacherCache.open(tmp));
        assertEquals(shard, e.file());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.delete(shard);
        e = assertThrows(CacheFormatException.class, () -> TeacherCache.open(tmp));
        assertTrue(e.getMessage().startsWith(shard.toString()) && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void withoutAnIndexADirectoryIsNotACacheAndAnUnfinishedWriterLeavesNone(@TempDir Path tmp) throws Exception {
        CacheFormatException e = assertThrows(CacheFormatException.class, () -> TeacherCache.open(tmp));
        assertEquals(tmp.resolve("index.json"), e.file());
        assertTrue(e.getMessage().contains("not a teacher-logits cache"), e.getMessage());

        // a writer killed mid-way: shards renamed, no index
        List<Sample> samples = randomSamples(new Random(5), 60, 1000, 20);
        TeacherCacheWriter killed = TeacherCacheWriter.open(tmp, meta(1000, CacheFormat.LogProbDtype.FLOAT16, 2048));
        for (Sample s : samples) {
            killed.addTruncated(s.id(), s.textIndex(), s.kept());
        }
        assertTrue(Files.exists(tmp.resolve("shard-00000.bin")));
        assertThrows(CacheFormatException.class, () -> TeacherCache.open(tmp));

        // closed without finish: its files are gone
        killed.close();
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList());
        }

        // a leftover shard from a killed run is cleared by the next writer; a finished cache is never overwritten
        Files.write(tmp.resolve("shard-00007.bin"), new byte[] {1, 2, 3});
        write(tmp, meta(1000, CacheFormat.LogProbDtype.FLOAT16, 1 << 20), samples);
        assertFalse(Files.exists(tmp.resolve("shard-00007.bin")));
        IOException refused = assertThrows(IOException.class,
                () -> TeacherCacheWriter.open(tmp, meta(1000, CacheFormat.LogProbDtype.FLOAT16, 1 << 20)));
        assertTrue(refused.getMessage().contains("already holds a teacher-logits cache"), refused.getMessage());
    }

    @Test
    void anUnknownVersionOrABrokenIndexNamesTheIndex(@TempDir Path tmp) throws Exception {
        write(tmp, meta(1000, CacheFormat.LogProbDtype.FLOAT16, 1 << 20), randomSamples(new Random(6), 5, 1000, 20));
        Path index = tmp.resolve("index.json");
        String json = Files.readString(index);
        Map<String, String> edits = new LinkedHashMap<>();
        edits.put("\"format_version\" : 2", "unknown format_version 2");
        edits.put("\"log_prob_dtype\" : \"bfloat16\"", "unknown log_prob_dtype \"bfloat16\"");
        edits.put("\"sample_count\" : 6", "sample_count says 6");
        for (Map.Entry<String, String> edit : edits.entrySet()) {
            String field = edit.getKey().substring(0, edit.getKey().indexOf(" :"));
            String edited = json.replaceFirst(java.util.regex.Pattern.quote(field) + " : [^,\\n]+", 
                    java.util.regex.Matcher.quoteReplacement(edit.getKey()));
            assertFalse(edited.equals(json), "edit " + edit.getKey());
            Files.writeString(index, edited, StandardCharsets.UTF_8);
            CacheFormatException e = assertThrows(CacheFormatException.class, () -> TeacherCache.open(tmp));
            assertEquals(index, e.file());
            assertTrue(e.getMessage().contains(edit.getValue()), e.getMessage());
        }
        Files.writeString(index, json.substring(0, json.length() / 2));
        CacheFormatException e = assertThrows(CacheFormatException.class, () -> TeacherCache.open(tmp));
        assertTrue(e.getMessage().startsWith(index.toString()) && e.getMessage().contains("not valid JSON"),
                e.getMessage());
    }
}
