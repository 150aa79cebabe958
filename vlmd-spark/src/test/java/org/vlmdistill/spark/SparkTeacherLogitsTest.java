package org.vlmdistill.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.distill.data.TinyPair;
import org.vlmdistill.distill.teacher.CachedSample;
import org.vlmdistill.distill.teacher.TeacherCache;
import org.vlmdistill.distill.teacher.TeacherLogitsJob;
import org.vlmdistill.distill.teacher.TopKTruncation;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code teacher-logits} on Spark in {@code local[2,2]} (two cores, a task tried twice) with the tiny
 * teacher over 24 Shapes records, batches of 4, three partitions of 8 records: the merged cache against the
 * one the single-machine job ({@link TeacherLogitsJob#run}, what {@code vlmd teacher-logits} runs) writes
 * of the same data, entry for entry; training on either; a task that fails part-way and is retried; a job
 * that fails mid-way and a rerun that writes only the missing shards; bad records named per partition.
 */
class SparkTeacherLogitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long SEED = 5;
    static final TopKTruncation TRUNCATION = new TopKTruncation(0.95, 8, 1.0);

    @TempDir
    static Path tmp;
    static TinyPair pair;
    static JavaSparkContext spark;
    static Path singleCache;

    @BeforeAll
    static void setUp() throws IOException {
        pair = TinyPair.create(tmp, SEED, 24);
        pair.close(); // only the files are needed
        spark = new JavaSparkContext(conf("local[2,2]"));
        singleCache = tmp.resolve("single-cache");
        TeacherLogitsJob.run(RunConfig.read(configFile("single", pair.data, c -> { })), singleCache, TRUNCATION,
                total -> Progress.silent());
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.close();
        }
    }

    static SparkConf conf(String master) {
        return new SparkConf().setMaster(master).setAppName("vlmd-spark test").set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.serializer.extraDebugInfo", "false");
    }

    interface Edit {
        void apply(ObjectNode config);
    }

    static Path configFile(String name, Path data, Edit edit) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", pair.teacherDir.toString());
        c.put("data", data.toString());
        c.put("output", tmp.resolve("run-" + name).toString());
        c.put("seed", 3);
        c.put("max_steps", 4);
        c.put("batch_size", 4);
        c.putObject("loss").put("name", "taid");
        c.putObject("optimizer").put("lr", 3e-3).put("weight_decay", 0.0);
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 0).put("keep", 1);
        c.put("prefetch", 1);
        edit.apply(c);
        Path file = tmp.resolve(name + ".json");
        Files.writeString(file, c.toPrettyString());
        return file;
    }

    static SparkTeacherLogits.Result sparkJob(Path config, Path out, int partitions, FaultInjection failure)
            throws IOException {
        return SparkTeacherLogits.run(spark, new SparkTeacherLogits.Request(config, out, TRUNCATION, partitions, failure));
    }

    /** Every sample of {@code a} in {@code b} with the same positions, text indices, token ids and log-probs. */
    static int assertSameEntries(Path a, Path b) throws IOException {
        try (TeacherCache ca = TeacherCache.open(a); TeacherCache cb = TeacherCache.open(b)) {
            ca.verify();
            cb.verify();
            assertEquals(new TreeSet<>(ca.sampleIds()), new TreeSet<>(cb.sampleIds()), "sample ids");
            assertEquals(ca.vocabSize(), cb.vocabSize());
            assertEquals(ca.truncation(), cb.truncation());
            assertEquals(ca.teacher(), cb.teacher());
            assertEquals(ca.data(), cb.data());
            assertEquals(ca.positionCount(), cb.positionCount());
            int positions = 0;
            for (String id : ca.sampleIds()) {
                CachedSample x = ca.lookup(id);
                CachedSample y = cb.lookup(id);
                assertEquals(x.positions(), y.positions(), id);
                for (int p = 0; p < x.positions(); p++) {
                    assertEquals(x.textIndex(p), y.textIndex(p), id + " position " + p);
                    assertArrayEquals(x.ids(p), y.ids(p), id + " position " + p);
                    assertArrayEquals(x.logProbs(p), y.logProbs(p), id + " position " + p);
                    positions++;
                }
            }
            return positions;
        }
    }

    @Test
    void theMergedCacheEqualsTheSingleMachineCacheAndTrainsTheSame() throws IOException {
        Path out = tmp.resolve("spark-cache");
        SparkTeacherLogits.Result r = sparkJob(configFile("spark", pair.data, c -> { }), out, 3, null);
        assertEquals(3, r.partitions().size());
        assertEquals(List.of(0, 8, 16), r.partitions().stream().map(SparkTeacherLogits.PartitionReport::from).toList());
        assertEquals(24, r.merged().samples());
        try (TeacherCache c = TeacherCache.open(out)) {
            assertEquals(24, c.sampleCount());
        }
        int positions = assertSameEntries(singleCache, out);
        System.out.printf("spark cache: %d samples, %d positions equal to the single-machine cache's; %s%n", 24,
                positions, r.merged().cache().describe());
        assertEquals(Files.readString(singleCache.resolve("skipped.jsonl")), Files.readString(out.resolve("skipped.jsonl")));

        // a short TAID run on each cache: the same rows of metrics, but for timings
        List<JsonNode> onSingle = train("train-single", singleCache);
        List<JsonNode> onSpark = train("train-spark", out);
        assertEquals(4, onSingle.size());
        assertEquals(onSingle, onSpark);
        System.out.printf("4 TAID steps on either cache: losses %s%n",
                onSpark.stream().map(m -> m.get("loss").asText()).toList());
    }

    static List<JsonNode> train(String name, Path cache) throws IOException {
        Path config = configFile(name, pair.data, c -> c.put("teacher_cache", cache.toString()));
        RunConfig run = RunConfig.read(config);
        try (Trainer trainer = Trainer.open(run, false, new PrintWriter(Writer.nullWriter()))) {
            trainer.run(Progress.silent());
        }
        List<JsonNode> rows = new ArrayList<>();
        for (JsonNode m : MetricsLog.read(run.output().resolve("metrics.jsonl"))) {
            ObjectNode o = (ObjectNode) m.deepCopy();
            o.remove(List.of("tokens_per_s", "step_seconds", "phase_seconds", "time", "elapsed_seconds"));
            rows.add(o);
        }
        return rows;
    }

    @Test
    void aTaskThatThrowsPartWayIsRetriedAndTheCacheIsTheSame() throws IOException {
        Path out = tmp.resolve("retried");
        // partition 1 throws after its first batch (one shard written half-way) on its first attempt only
        SparkTeacherLogits.Result r = sparkJob(configFile("retried", pair.data, c -> { }), out, 3,
                new FaultInjection(1, 1, 1));
        SparkTeacherLogits.PartitionReport p1 = r.partitions().get(1);
        assertEquals(1, p1.attempt(), "partition 1 finished on its second attempt");
        assertEquals(0, r.partitions().get(0).attempt());
        assertSameEntries(singleCache, out);
        try (var files = Files.list(out)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp file is left");
        }
    }

    @Test
    void aJobKilledMidWayAndRerunWritesOnlyTheMissingShards() throws Exception {
        Path out = tmp.resolve("killed");
        Path config = configFile("killed", pair.data, c -> { });
        // partition 2 fails on every attempt after its first batch: Spark gives up after two, as a job killed
        // part-way (the other partitions may or may not have finished by then)
        SparkJobException e = assertThrows(SparkJobException.class, () -> sparkJob(config, out, 3,
                new FaultInjection(2, 1, 99)));
        assertTrue(e.getMessage().contains("partition 2 (records [16, 24))") && e.getMessage().contains("injected failure"),
                e.getMessage());
        awaitNoActiveStage();
        assertFalse(Files.exists(out.resolve("index.json")), "no index after a failed job");
        Map<String, Object> keys = new HashMap<>();
        Map<String, Long> mtimes = new HashMap<>();
        Set<Integer> completeBefore = new TreeSet<>();
        for (int p = 0; p < 3; p++) {
            Path manifest = out.resolve(String.format("part-%05d.json", p));
            if (Files.exists(manifest)) {
                completeBefore.add(p);
                Path shard = out.resolve(String.format("shard-%05d.bin", p));
                BasicFileAttributes a = Files.readAttributes(shard, BasicFileAttributes.class);
                keys.put(shard.toString(), a.fileKey());
                mtimes.put(shard.toString(), a.lastModifiedTime().toMillis());
                keys.put(manifest.toString(), Files.readAttributes(manifest, BasicFileAttributes.class).fileKey());
            }
        }
        assertFalse(completeBefore.contains(2), "the failing partition is not complete");
        SparkTeacherLogits.Result r = sparkJob(config, out, 3, null);
        System.out.printf("killed job: partitions %s complete before the rerun, which wrote the others%n", completeBefore);
        for (SparkTeacherLogits.PartitionReport p : r.partitions()) {
            assertEquals(completeBefore.contains(p.partition()), p.reused(), "partition " + p.partition());
        }
        for (Map.Entry<String, Object> k : keys.entrySet()) {
            BasicFileAttributes a = Files.readAttributes(Path.of(k.getKey()), BasicFileAttributes.class);
            assertEquals(k.getValue(), a.fileKey(), k.getKey() + " was not rewritten");
            if (mtimes.containsKey(k.getKey())) {
                assertEquals(mtimes.get(k.getKey()), a.lastModifiedTime().toMillis(), k.getKey());
            }
        }
        assertSameEntries(singleCache, out);
        // a third run refuses: the directory holds a cache
        IOException again = assertThrows(IOException.class, () -> sparkJob(config, out, 3, null));
        assertTrue(again.getMessage().contains("already holds a teacher-logits cache"), again.getMessage());
    }

    /** The failed job's other tasks are cancelled at their next batch; wait until Spark runs none. */
    static void awaitNoActiveStage() throws InterruptedException {
        for (int i = 0; i < 600 && spark.statusTracker().getActiveStageIds().length > 0; i++) {
            Thread.sleep(50);
        }
        assertEquals(0, spark.statusTracker().getActiveStageIds().length, "a stage still runs");
    }

    @Test
    void anExecutorThatCannotOpenTheTeacherNamesItsPath() throws IOException {
        Path missing = tmp.resolve("no-such-teacher");
        Path config = configFile("no-teacher", pair.data, c -> c.put("teacher", missing.toString()));
        SparkJobException e = assertThrows(SparkJobException.class, () -> sparkJob(config, tmp.resolve("never"), 2, null));
        System.out.println("missing teacher: " + e.getMessage());
        assertTrue(e.getMessage().contains("teacher: " + missing + ": no such directory"), e.getMessage());
        assertTrue(e.getMessage().startsWith("teacher-logits failed: partition "), e.getMessage());
    }

    @Test
    void badRecordsOfEveryPartitionAreNamedInTheMergedReport() throws IOException {
        // 24 good records, a bad one in each partition's range (a text file named .png, an empty PNG, a truncated
        // one: each found by its partition's check) and a missing image (found by the reader, on the driver)
        Path dir = pair.data.getParent();
        List<String> lines = new ArrayList<>(Files.readAllLines(pair.data).stream().filter(l -> !l.isBlank()).toList());
        byte[] png = Files.readAllBytes(dir.resolve(JSON.readTree(lines.getFirst()).get("image").asText()));
        Files.writeString(dir.resolve("images/text.png"), "not an image, only its name says so\n");
        Files.write(dir.resolve("images/empty.png"), new byte[0]);
        Files.write(dir.resolve("images/truncated.png"), Arrays.copyOf(png, png.length / 2));
        Map<Integer, String> bad = Map.of(3, "images/text.png", 5, "images/no-such-file.png", 13, "images/empty.png",
                22, "images/truncated.png");
        List<String> mixed = new ArrayList<>(lines);
        for (int at : new TreeSet<>(bad.keySet())) {
            ObjectNode r = (ObjectNode) JSON.readTree(lines.getFirst());
            r.put("id", "bad-" + at);
            r.put("image", bad.get(at));
            mixed.add(at, r.toString());
        }
        Path data = dir.resolve("mixed.jsonl");
        Files.write(data, mixed);
        Path config = configFile("mixed", data, c -> c.put("max_skipped_share", 0.5));
        Path single = tmp.resolve("mixed-single");
        TeacherLogitsJob.Result s = TeacherLogitsJob.run(RunConfig.read(config), single, TRUNCATION,
                total -> Progress.silent());
        Path out = tmp.resolve("mixed-spark");
        SparkTeacherLogits.Result r = sparkJob(config, out, 3, null);
        // 27 records read (the missing image's left out by the reader) in ranges of 8, 8 and 11 (7 batches of 4
        // over 3 partitions), one bad record in each
        assertEquals(List.of(1, 1, 1), r.partitions().stream().map(SparkTeacherLogits.PartitionReport::skipped).toList());
        assertEquals(List.of(0, 8, 16), r.partitions().stream().map(SparkTeacherLogits.PartitionReport::from).toList());
        assertEquals(4, r.merged().data().skipped());
        assertEquals(24, r.merged().samples());
        String merged = Files.readString(out.resolve("skipped.jsonl"));
        for (int at : bad.keySet()) { // the reader names a record it cannot read in the detail, with an empty id
            assertTrue(merged.contains(at == 5 ? "record bad-5: image" : "\"id\":\"bad-" + at + "\""), merged);
        }
        assertEquals(Files.readString(single.resolve("skipped.jsonl")), merged, "the single machine's skipped.jsonl");
        assertEquals(s.data().skippedByReason(), r.merged().data().skippedByReason());
        try (TeacherCache a = TeacherCache.open(single); TeacherCache b = TeacherCache.open(out)) {
            assertEquals(new TreeSet<>(a.sampleIds()), new TreeSet<>(b.sampleIds()));
        }
    }
}
