package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.distill.train.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.vlmd.cli.BadRecordsData.BAD;
import static org.vlmdistill.vlmd.cli.BadRecordsData.GOOD;
import static org.vlmdistill.vlmd.cli.BadRecordsData.lines;
import static org.vlmdistill.vlmd.cli.BadRecordsData.write;

/**
 * {@code vlmd distill} on a LLaVA JSON data set of real PNGs (the tiny pair's Shapes records) with a known
 * number of records that cannot become samples, of several kinds ({@link BadRecordsData}). The bad
 * records sit at random places among the good ones. Each is found before the first step, counted in
 * metrics.jsonl and the summary, and named with its place and reason in skipped.jsonl; every good
 * record is trained on, exactly as a run on the good records alone trains.
 */
class DistillBadSamplesTest {
    @TempDir
    static Path tmp;
    static BadRecordsData d;

    @BeforeAll
    static void data() throws IOException {
        d = BadRecordsData.create(tmp);
    }

    @Test
    void badRecordsAreCountedNamedAndLeftOutAndEveryGoodRecordIsTrainedOn() throws IOException {
        long seed = System.nanoTime();
        List<ObjectNode> all = d.mixed(new Random(seed));
        Path dirty = d.dataDir.resolve("mixed.json");
        Map<String, Integer> at = write(dirty, all);
        Path clean = d.dataDir.resolve("clean.json");
        write(clean, d.good);

        Path out = tmp.resolve("mixed-run");
        CliRun r = d.distill(d.config(dirty, out).put("max_skipped_share", 0.5), "mixed");
        assertEquals(0, r.code(), "seed " + seed + ": " + r.err() + r.out());
        Path cleanOut = tmp.resolve("clean-run");
        CliRun c = d.distill(d.config(clean, cleanOut), "clean");
        assertEquals(0, c.code(), c.err() + c.out());

        // skipped.jsonl: exactly the bad records, each with its place, id and reason
        List<JsonNode> skipped = lines(out.resolve("skipped.jsonl"));
        assertEquals(BAD.size(), skipped.size(), skipped.toString());
        Map<String, JsonNode> byIndex = new LinkedHashMap<>();
        for (JsonNode s : skipped) {
            assertEquals(dirty.toAbsolutePath().normalize().toString(), Path.of(s.get("file").asText()).toAbsolutePath()
                    .normalize().toString(), s.toString());
            assertEquals(0, s.get("step").asLong(), "found before the first step: " + s);
            assertFalse(s.get("detail").asText().isBlank(), s.toString());
            String location = s.get("location").asText();
            assertTrue(location.startsWith("element "), location);
            byIndex.put(location.split(" ")[1], s);
        }
        for (Map.Entry<String, SkipReason> e : BAD.entrySet()) {
            JsonNode s = byIndex.get(String.valueOf(at.get(e.getKey())));
            assertTrue(s != null, e.getKey() + " (element " + at.get(e.getKey()) + ") not named: " + skipped);
            assertEquals(e.getValue().name(), s.get("code").asText(), e.getKey() + ": " + s);
            assertEquals(e.getValue().label(), s.get("reason").asText(), e.getKey() + ": " + s);
            if (!s.get("id").asText().isEmpty()) {
                assertEquals(e.getKey(), s.get("id").asText(), s.toString());
            }
        }
        // counted in every metrics row and in the summary
        List<JsonNode> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(GOOD / 4, m.size(), "one epoch of the good records in batches of 4");
        for (JsonNode row : m) {
            assertEquals(BAD.size(), row.get("skipped_samples_total").asLong(), row.toString());
            assertEquals(0, row.get("skipped_samples").asLong(), row.toString());
        }
        assertEquals(GOOD, m.stream().mapToLong(n -> n.get("samples").asLong()).sum(), "samples trained on");
        assertTrue(r.out().contains("data: " + GOOD + " samples, " + BAD.size() + " records skipped"), r.out());
        assertTrue(r.out().contains(out.resolve("skipped.jsonl").toString()), r.out());
        assertTrue(r.out().contains("data      " + GOOD + " samples from"), r.out());

        // the same training as on the d.good records alone: every d.good record, in the same order
        List<JsonNode> mc = MetricsLog.read(cleanOut.resolve("metrics.jsonl"));
        assertEquals(mc.size(), m.size());
        long tokens = 0;
        for (int i = 0; i < m.size(); i++) {
            assertEquals(mc.get(i).get("tokens").asLong(), m.get(i).get("tokens").asLong(), "tokens at step " + (i + 1));
            assertEquals(mc.get(i).get("loss_rows").asLong(), m.get(i).get("loss_rows").asLong(), "rows at step " + (i + 1));
            double a = mc.get(i).get("loss").asDouble();
            double b = m.get(i).get("loss").asDouble();
            assertEquals(a, b, 1e-6 * Math.abs(a), "loss at step " + (i + 1) + " (seed " + seed + ")");
            tokens += m.get(i).get("tokens").asLong();
        }
        assertEquals(0, lines(cleanOut.resolve("skipped.jsonl")).size());
        System.out.printf("%d bad records of %d kinds named; %d good samples, %d tokens trained on, as the clean run%n",
                BAD.size(), BAD.values().stream().distinct().count(), GOOD, tokens);

        // a resume from the first checkpoint neither loses nor repeats a skipped record
        Path resumed = tmp.resolve("mixed-resumed");
        copyTree(out, resumed);
        for (int step = 2; step <= m.size(); step++) {
            deleteTree(resumed.resolve("checkpoints/step-" + step));
        }
        Files.delete(resumed.resolve("skipped.jsonl"));
        CliRun again = d.distill(d.config(dirty, resumed).put("max_skipped_share", 0.5), "mixed-resumed", "--resume");
        assertEquals(0, again.code(), again.err() + again.out());
        assertTrue(again.out().contains("resumed from") && again.out().contains("step 1 of " + m.size()), again.out());
        assertEquals(Files.readString(out.resolve("skipped.jsonl")), Files.readString(resumed.resolve("skipped.jsonl")));
        List<JsonNode> mr = MetricsLog.read(resumed.resolve("metrics.jsonl"));
        assertEquals(m.size(), mr.size());
        for (int i = 0; i < m.size(); i++) {
            for (String key : List.of("samples", "skipped_samples", "skipped_samples_total", "tokens")) {
                assertEquals(m.get(i).get(key).asLong(), mr.get(i).get(key).asLong(), key + " at step " + (i + 1));
            }
        }
    }

    @Test
    void aDataSetWithNoUsableRecordStopsBeforeTheFirstStep() throws IOException {
        Path data = d.dataDir.resolve("all-bad.json");
        write(data, d.badRecords());
        Path out = tmp.resolve("all-bad-run");
        // even a limit that allows every record to be skipped does not train on nothing
        CliRun any = d.distill(d.config(data, tmp.resolve("all-bad-any")).put("max_skipped_share", 1.0), "all-bad-any");
        assertEquals(2, any.code(), any.err() + any.out());
        assertTrue(any.err().contains("no usable sample"), any.err());
        assertFalse(Files.exists(tmp.resolve("all-bad-any/checkpoints")), "no checkpoint");
        CliRun r = d.distill(d.config(data, out), "all-bad");
        assertEquals(2, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("no usable sample") && r.err().contains("all " + BAD.size() + " records"), r.err());
        for (String reason : List.of("corrupt or truncated image", "missing image file", "image over the pixel limit")) {
            assertTrue(r.err().contains(reason), reason + " in " + r.err());
        }
        assertTrue(r.err().contains(out.resolve("skipped.jsonl").toString()), r.err());
        assertEquals(BAD.size(), lines(out.resolve("skipped.jsonl")).size());
        assertFalse(Files.exists(out.resolve("checkpoints")), "no checkpoint");
        assertTrue(!Files.exists(out.resolve("metrics.jsonl")) || MetricsLog.read(out.resolve("metrics.jsonl")).isEmpty(),
                "no step");
        assertFalse(r.out().contains("done:"), r.out());
    }

    @Test
    void aSkippedShareOverTheLimitStopsTheRunAndOneWithinItTrains() throws IOException {
        // 16 d.good records and 7 bad: 7 / 23 = 30.4% skipped
        Path data = d.dataDir.resolve("share.json");
        write(data, d.mixed(new Random(3)));
        Path out = tmp.resolve("share-default");
        CliRun r = d.distill(d.config(data, out), "share-default"); // the default limit, 0.1
        assertEquals(2, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("7 of 23 records") && r.err().contains("30.4%")
                && r.err().contains("max_skipped_share 0.1"), r.err());
        assertTrue(r.err().contains("... and 2 more"), "the first 5 named, the rest counted: " + r.err());
        assertFalse(Files.exists(out.resolve("checkpoints")), "no checkpoint");
        assertEquals(BAD.size(), lines(out.resolve("skipped.jsonl")).size());

        CliRun under = d.distill(d.config(data, tmp.resolve("share-under")).put("max_skipped_share", 0.30), "share-under");
        assertEquals(2, under.code(), under.err() + under.out());
        CliRun within = d.distill(d.config(data, tmp.resolve("share-within")).put("max_skipped_share", 0.31), "share-within");
        assertEquals(0, within.code(), within.err() + within.out());

        CliRun invalid = d.distill(d.config(data, tmp.resolve("share-invalid")).put("max_skipped_share", 1.5), "share-invalid");
        assertEquals(2, invalid.code(), invalid.err());
        assertTrue(invalid.err().contains("max_skipped_share: must be in [0, 1], got 1.5"), invalid.err());
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals(".vlmd.lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
