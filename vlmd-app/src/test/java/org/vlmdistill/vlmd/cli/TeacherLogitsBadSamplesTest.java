package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.distill.teacher.CacheFormat;
import org.vlmdistill.distill.teacher.TeacherCache;
import org.vlmdistill.distill.train.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.vlmd.cli.BadRecordsData.BAD;
import static org.vlmdistill.vlmd.cli.BadRecordsData.GOOD;
import static org.vlmdistill.vlmd.cli.BadRecordsData.lines;
import static org.vlmdistill.vlmd.cli.BadRecordsData.write;

/**
 * {@code vlmd teacher-logits} on the bad-record data ({@link BadRecordsData}) (16 good Shapes records, 7 bad ones of five
 * reasons at random places): the top-k cache job runs distill's check before its first batch, names the bad
 * records in the cache directory's skipped.jsonl exactly as distill names them, counts them in its output,
 * stops with exit 2 (no shard, no index) where distill would, and a run on the cache pairs every cached row
 * with its record: it skips the same records and trains as a run on a cache of the good records alone.
 */
class TeacherLogitsBadSamplesTest {
    @TempDir
    static Path tmp;
    static BadRecordsData d;

    @BeforeAll
    static void data() throws IOException {
        d = BadRecordsData.create(tmp);
    }

    static CliRun teacherLogits(ObjectNode config, String name, Path cache) throws IOException {
        Path file = tmp.resolve(name + ".json");
        Files.writeString(file, config.toPrettyString());
        return CliRun.run("teacher-logits", "--config", file.toString(), "--out", cache.toString(), "--progress", "none");
    }

    static Set<String> cachedIds(Path cache) throws IOException {
        try (TeacherCache c = TeacherCache.open(cache)) {
            return new TreeSet<>(c.sampleIds());
        }
    }

    @Test
    void aCacheOfDataWithBadRecordsNamesThemAndARunOnItSkipsTheSameAndTrainsAsOnTheGoodRecords() throws IOException {
        long seed = System.nanoTime();
        Path dirty = d.dataDir.resolve("mixed.json");
        write(dirty, d.mixed(new Random(seed)));
        Path clean = d.dataDir.resolve("clean.json");
        write(clean, d.good);

        Path cache = tmp.resolve("mixed-cache");
        CliRun w = teacherLogits(d.config(dirty, tmp.resolve("unused")).put("max_skipped_share", 0.5), "mixed-cache", cache);
        assertEquals(0, w.code(), "seed " + seed + ": " + w.err() + w.out());
        Path cleanCache = tmp.resolve("clean-cache");
        CliRun wc = teacherLogits(d.config(clean, tmp.resolve("unused")), "clean-cache", cleanCache);
        assertEquals(0, wc.code(), wc.err() + wc.out());

        // counted in the summary, named with place and reason in the cache directory's skipped.jsonl
        Path skippedFile = cache.resolve("skipped.jsonl");
        assertTrue(w.out().contains("data: " + GOOD + " samples, " + BAD.size() + " records skipped"), w.out());
        assertTrue(w.out().contains(skippedFile.toString()), w.out());
        for (SkipReason reason : BAD.values()) {
            assertTrue(w.out().contains(reason.label()), reason.label() + " in " + w.out());
        }
        List<JsonNode> skipped = lines(skippedFile);
        assertEquals(BAD.size(), skipped.size(), skipped.toString());
        Map<String, Long> byCode = skipped.stream().collect(Collectors.groupingBy(s -> s.get("code").asText(),
                Collectors.counting()));
        Map<String, Long> expected = BAD.values().stream().collect(Collectors.groupingBy(Enum::name, Collectors.counting()));
        assertEquals(expected, byCode);
        assertEquals(0, lines(cleanCache.resolve("skipped.jsonl")).size());

        // the cache holds the good records, exactly those of a cache written from them alone
        Set<String> ids = cachedIds(cache);
        assertEquals(GOOD, ids.size(), ids.toString());
        assertEquals(cachedIds(cleanCache), ids);
        for (String bad : BAD.keySet()) {
            assertFalse(ids.contains(bad), bad + " cached");
        }

        // distill on the cache: its own check skips the same records (the same skipped.jsonl, byte for byte),
        // and every step's rows and loss are those of the run on the clean cache
        ObjectNode onCache = d.config(dirty, tmp.resolve("run-mixed")).put("max_skipped_share", 0.5)
                .put("teacher_cache", cache.toString());
        onCache.remove("teacher");
        CliRun r = d.distill(onCache, "run-mixed");
        assertEquals(0, r.code(), "seed " + seed + ": " + r.err() + r.out());
        ObjectNode onClean = d.config(clean, tmp.resolve("run-clean")).put("teacher_cache", cleanCache.toString());
        onClean.remove("teacher");
        CliRun c = d.distill(onClean, "run-clean");
        assertEquals(0, c.code(), c.err() + c.out());
        assertEquals(Files.readString(skippedFile), Files.readString(tmp.resolve("run-mixed/skipped.jsonl")),
                "the cache job and the run on it skip the same records");
        List<JsonNode> m = MetricsLog.read(tmp.resolve("run-mixed/metrics.jsonl"));
        List<JsonNode> mc = MetricsLog.read(tmp.resolve("run-clean/metrics.jsonl"));
        assertEquals(GOOD / 4, m.size());
        assertEquals(mc.size(), m.size());
        double maxRel = 0;
        for (int i = 0; i < m.size(); i++) {
            assertEquals(mc.get(i).get("loss_rows").asLong(), m.get(i).get("loss_rows").asLong(), "rows at step " + (i + 1));
            assertEquals(BAD.size(), m.get(i).get("skipped_samples_total").asLong(), m.get(i).toString());
            double a = mc.get(i).get("loss").asDouble();
            double b = m.get(i).get("loss").asDouble();
            assertEquals(a, b, 1e-6 * Math.abs(a), "loss at step " + (i + 1) + " (seed " + seed + ")");
            maxRel = Math.max(maxRel, Math.abs(a - b) / Math.abs(a));
        }
        System.out.printf("cache of %d good records, %d bad named; a run on it skips the same, %d steps, loss max rel"
                + " diff %.2g vs the clean cache's run%n", GOOD, BAD.size(), m.size(), maxRel);
    }

    @Test
    void noUsableRecordOrTooLargeASkippedShareStopsTheJobBeforeItWritesAShard() throws IOException {
        Path allBad = d.dataDir.resolve("all-bad.json");
        write(allBad, d.badRecords());
        Path cache = tmp.resolve("all-bad-cache");
        CliRun r = teacherLogits(d.config(allBad, tmp.resolve("unused")).put("max_skipped_share", 1.0), "all-bad", cache);
        assertEquals(Vlmd.EXIT_USAGE, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("no usable sample") && r.err().contains("all " + BAD.size() + " records"), r.err());
        assertTrue(r.err().contains(cache.resolve("skipped.jsonl").toString()), r.err());
        assertEquals(BAD.size(), lines(cache.resolve("skipped.jsonl")).size());
        assertNoCache(cache);

        // 7 of 23 skipped (30.4%): over the default limit 0.1, exit 2; within 0.31, a cache
        Path share = d.dataDir.resolve("share.json");
        write(share, d.mixed(new Random(3)));
        Path over = tmp.resolve("share-cache");
        CliRun o = teacherLogits(d.config(share, tmp.resolve("unused")), "share", over);
        assertEquals(Vlmd.EXIT_USAGE, o.code(), o.err() + o.out());
        assertTrue(o.err().contains("7 of 23 records") && o.err().contains("30.4%")
                && o.err().contains("max_skipped_share 0.1"), o.err());
        assertEquals(BAD.size(), lines(over.resolve("skipped.jsonl")).size());
        assertNoCache(over);
        CliRun within = teacherLogits(d.config(share, tmp.resolve("unused")).put("max_skipped_share", 0.31), "share-within",
                tmp.resolve("share-within-cache"));
        assertEquals(0, within.code(), within.err() + within.out());
        assertEquals(GOOD, cachedIds(tmp.resolve("share-within-cache")).size());
    }

    /**
     * A record that fails only on the teacher's side (too long for the teacher's image tokens, an image its
     * processor refuses) is left out of the cache, but a run on the cache builds only the student's side:
     * the run takes the cache's skipped.jsonl into its check. The tiny pair cannot make such a record (the
     * student has more image tokens than the teacher), so the cache is written from the data without one
     * random good record and its skipped.jsonl names that record as the job would have.
     */
    @Test
    void aRecordTheCacheLeftOutForTheTeachersSideIsLeftOutOfTheRunOnIt() throws IOException {
        long seed = System.nanoTime();
        int k = new Random(seed).nextInt(GOOD);
        ObjectNode left = d.good.get(k);
        List<ObjectNode> others = new ArrayList<>(d.good);
        others.remove(k);
        Path partial = d.dataDir.resolve("without-one.json");
        write(partial, others);
        Path all = d.dataDir.resolve("all-good.json");
        Map<String, Integer> at = write(all, d.good);
        Path cache = tmp.resolve("teacher-side-cache");
        CliRun w = teacherLogits(d.config(partial, tmp.resolve("unused")), "teacher-side-cache", cache);
        assertEquals(0, w.code(), w.err() + w.out());
        String id = left.get("id").asText();
        ObjectNode entry = BadRecordsData.JSON.createObjectNode().put("file", all.toString())
                .put("location", "element " + at.get(id)).put("id", id).put("reason", SkipReason.TOO_LONG.label())
                .put("code", SkipReason.TOO_LONG.name()).put("detail", "the teacher's tokens over max_tokens").put("step", 0);
        Files.writeString(cache.resolve("skipped.jsonl"), entry + "\n");

        ObjectNode c = d.config(all, tmp.resolve("run-teacher-side")).put("teacher_cache", cache.toString());
        c.remove("teacher");
        CliRun r = d.distill(c, "run-teacher-side");
        assertEquals(0, r.code(), "record " + k + " (seed " + seed + "): " + r.err() + r.out());
        List<JsonNode> skipped = lines(tmp.resolve("run-teacher-side/skipped.jsonl"));
        assertEquals(1, skipped.size(), skipped.toString());
        assertEquals(id, skipped.getFirst().get("id").asText());
        // named at its place in the run's data file (the run's own reading), with the cache's reason
        assertEquals(all.toString(), skipped.getFirst().get("file").asText());
        assertTrue(skipped.getFirst().get("location").asText().startsWith("element " + at.get(id) + " "), skipped.toString());
        assertEquals(SkipReason.TOO_LONG.name(), skipped.getFirst().get("code").asText());
        assertTrue(skipped.getFirst().get("detail").asText().contains("teacher cache"), skipped.toString());
        List<JsonNode> m = MetricsLog.read(tmp.resolve("run-teacher-side/metrics.jsonl"));
        assertEquals(GOOD - 1, m.stream().mapToLong(n -> n.get("samples").asLong()).sum(), "samples trained on");
        assertTrue(r.out().contains("data: " + (GOOD - 1) + " samples, 1 records skipped"), r.out());
    }

    static void assertNoCache(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        }
        assertFalse(names.contains(CacheFormat.INDEX), "no index: " + names);
        assertTrue(names.stream().noneMatch(n -> n.startsWith("shard-")), "no shard: " + names);
    }
}
