package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.distill.data.PairedSamples;
import org.vlmdistill.distill.data.TinyPair;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A record that passes the check before the first step but whose image is broken by the time its batch
 * is built (the file was rewritten meanwhile) is still counted and named, not dropped unseen: the step's
 * {@code skipped_samples}, the running {@code skipped_samples_total}, the run's summary and
 * {@code skipped.jsonl} (with that step) all have it, and a resume from a checkpoint before or after that
 * step ends with the same list.
 */
class TrainingSkipsTest {
    private final long seed = System.nanoTime();

    @TempDir
    Path tmp;

    private RunConfig config(TinyPair pair, Path out) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", pair.teacherDir.toString());
        c.put("data", pair.data.toString());
        c.put("output", out.toString());
        c.put("seed", 3);
        c.put("batch_size", 3);
        c.putObject("loss").put("name", "fkl");
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 1).put("keep", 10);
        c.put("prefetch", 0);
        return RunConfig.parse(c, tmp.resolve("run.json"));
    }

    @Test
    void aRecordLeftOutWhileTrainingIsCountedNamedAndKeptAcrossAResume() throws Exception {
        System.out.println("TrainingSkipsTest seed " + seed);
        Random random = new Random(seed);
        TinyPair pair = TinyPair.create(tmp, seed, 9); // 3 steps of 3
        pair.close();
        Path out = tmp.resolve("run");
        Trainer.RunSummary summary;
        String broken;
        try (Trainer trainer = Trainer.open(config(pair, out), false, new PrintWriter(Writer.nullWriter()))) {
            PairedSamples samples = trainer.setup().samples();
            assertEquals(9, samples.size(), "every record passes the check");
            int index = random.nextInt(samples.size());
            broken = samples.idOf(index);
            Path image = ((ImageSource.File) samples.record(index).images().getFirst()).path();
            Files.writeString(image, "rewritten after the check");
            summary = trainer.run(Progress.silent());
        }
        assertEquals(1, summary.skippedRecords());
        assertEquals(8, summary.samples() - summary.skippedRecords());
        List<JsonNode> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(3, m.size());
        long step = 0;
        long samples = 0;
        for (JsonNode row : m) {
            samples += row.get("samples").asLong();
            if (row.get("skipped_samples").asLong() == 1) {
                step = row.get("step").asLong();
            }
            assertEquals(step == 0 ? 0 : 1, row.get("skipped_samples_total").asLong(), row.toString());
        }
        assertTrue(step > 0, "no step counted the skip: " + m);
        assertEquals(8, samples);
        List<String> lines = Files.readAllLines(out.resolve(SkippedLog.FILE));
        assertEquals(1, lines.size(), lines.toString());
        JsonNode named = new ObjectMapper().readTree(lines.getFirst());
        assertEquals(broken, named.get("id").asText());
        assertEquals(SkipReason.CORRUPT_IMAGE.name(), named.get("code").asText());
        assertEquals(step, named.get("step").asLong());
        assertEquals(pair.data.toString(), named.get("file").asText());

        // resumed from each earlier checkpoint, the run ends with the same list: not lost, not repeated
        for (int from = 1; from < 3; from++) {
            Path resumed = tmp.resolve("resumed-" + from);
            copy(out, resumed);
            for (int later = from + 1; later <= 3; later++) {
                delete(resumed.resolve("checkpoints/step-" + later));
            }
            Files.delete(resumed.resolve(SkippedLog.FILE));
            try (Trainer trainer = Trainer.open(config(pair, resumed), true, new PrintWriter(Writer.nullWriter()))) {
                assertEquals(from, trainer.optimizerStep());
                assertEquals(1, trainer.run(Progress.silent()).skippedRecords(), "resumed from step " + from);
            }
            assertEquals(lines, Files.readAllLines(resumed.resolve(SkippedLog.FILE)), "resumed from step " + from);
            List<JsonNode> mr = MetricsLog.read(resumed.resolve("metrics.jsonl"));
            for (int i = 0; i < 3; i++) {
                for (String key : List.of("samples", "skipped_samples", "skipped_samples_total")) {
                    assertEquals(m.get(i).get(key).asLong(), mr.get(i).get(key).asLong(),
                            key + " at step " + (i + 1) + ", resumed from " + from);
                }
            }
        }
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().startsWith(".vlmd.lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void delete(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList())) {
                Files.delete(p);
            }
        }
    }
}
