package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.distill.train.Checkpoints;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.distill.data.TinyPair;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole runs of {@code vlmd distill} on a tiny Idefics3 teacher and student (different widths, depths,
 * padded vocabularies and image-token counts) over Shapes data.
 */
class DistillCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long SEED = 7;

    @TempDir
    static Path tmp;
    static TinyPair pair;
    static Path teacher;

    /**
     * The tiny pair, then a teacher worth distilling: the random teacher trained on the Shapes answers
     * by this tool's own SFT run (a random teacher's distribution is nearly uniform, nothing to learn).
     */
    @BeforeAll
    static void models() throws IOException {
        pair = TinyPair.create(tmp, SEED, 24);
        pair.close(); // only the files are needed
        Path out = tmp.resolve("teacher-sft");
        ObjectNode sft = config("sft", out, 40);
        sft.put("student", pair.teacherDir.toString());
        sft.remove("teacher");
        sft.putObject("optimizer").put("lr", 1e-2).put("weight_decay", 0.0);
        sft.putObject("checkpoint").put("every", 0).put("keep", 1);
        CliRun r = CliRun.run("distill", "--config", write(sft, tmp.resolve("sft.json")).toString(), "--progress", "none");
        assertEquals(0, r.code(), r.err() + r.out());
        List<JsonNode> m = metrics(out);
        System.out.printf("teacher SFT: loss %.3f -> %.3f over 40 steps%n", m.getFirst().get("loss").asDouble(),
                m.getLast().get("loss").asDouble());
        teacher = out.resolve("checkpoints/step-40/model");
    }

    static ObjectNode config(String loss, Path out, int steps) {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", (teacher != null ? teacher : pair.teacherDir).toString());
        c.put("data", pair.data.toString());
        c.put("output", out.toString());
        c.put("seed", 3);
        c.put("max_steps", steps);
        c.put("batch_size", 4);
        c.putObject("loss").put("name", loss);
        c.putObject("optimizer").put("lr", 3e-3).put("weight_decay", 0.0);
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 5).put("keep", 2);
        c.put("prefetch", 1);
        return c;
    }

    static Path write(ObjectNode config, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, config.toPrettyString());
        return file;
    }

    static List<JsonNode> metrics(Path out) throws IOException {
        return MetricsLog.read(out.resolve("metrics.jsonl"));
    }

    static double mean(List<JsonNode> m, int from, int to, String key) {
        return m.subList(from, to).stream().mapToDouble(n -> n.get(key).asDouble()).average().orElseThrow();
    }

    @Test
    void taidAndKlRunsEachLowerTheirLoss() throws IOException {
        for (String loss : List.of("taid", "fkl")) {
            Path out = tmp.resolve("run-" + loss);
            Path cfg = write(config(loss, out, 30), tmp.resolve(loss + ".json"));
            CliRun r = CliRun.run("distill", "--config", cfg.toString(), "--progress", "none");
            assertEquals(0, r.code(), r.err() + r.out());
            List<JsonNode> m = metrics(out);
            assertEquals(30, m.size());
            double first = mean(m, 0, 5, "loss");
            double last = mean(m, 25, 30, "loss");
            System.out.printf("%s: mean loss of steps 1-5 %.4f, of steps 26-30 %.4f%n", loss, first, last);
            assertTrue(last < 0.9 * first, loss + ": loss " + first + " -> " + last);
            if (loss.equals("taid")) {
                double t0 = m.getFirst().get("t").asDouble();
                double t1 = m.getLast().get("t").asDouble();
                assertTrue(t0 >= 0.4 && t1 > t0 && t1 <= 1.0, "t " + t0 + " -> " + t1);
            }
            assertTrue(Files.isRegularFile(out.resolve("checkpoints/step-30/model/model.safetensors")));
            assertTrue(Files.isRegularFile(out.resolve("plots/loss.png")));
            assertEquals(2, new Checkpoints(out.resolve("checkpoints")).complete().size());
        }
    }

    @Test
    void aRunKilledAtRandomMomentsAndResumedRepeatsTheUninterruptedRun() throws Exception {
        int steps = 40;
        Path straight = tmp.resolve("straight");
        ObjectNode base = config("taid", straight, steps);
        base.putObject("checkpoint").put("every", 4).put("keep", 2);
        CliRun a = CliRun.run("distill", "--config", write(base, tmp.resolve("straight.json")).toString(), "--progress", "none");
        assertEquals(0, a.code(), a.err());

        Path killed = tmp.resolve("killed");
        ObjectNode cfg = base.deepCopy().put("output", killed.toString());
        Path file = write(cfg, tmp.resolve("killed.json"));
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        int killedMidRun = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            // the child JVM gets this one's flags (the pom's vlmd.jvm.flags: native access, the Vector API,
            // the kernels' inlining), so the run and its resumption compute exactly as the test JVM does
            List<String> command = new ArrayList<>(List.of(javaBin));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(flag -> !flag.startsWith("-Xmx") && !flag.startsWith("-javaagent")).toList());
            command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Vlmd.class.getName(),
                    "distill", "--config", file.toString(), "--resume", "--progress", "none"));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("killed-" + attempt + ".log").toFile()).start();
            // kill once the run has logged a random step past where it resumed, a random moment later:
            // mid-step, mid-checkpoint or mid-metrics line, wherever it falls
            Path metricsFile = killed.resolve("metrics.jsonl");
            long from = Files.exists(metricsFile) ? MetricsLog.read(metricsFile).size() : 0;
            long target = Math.min(steps - 1, from + 1 + random.nextInt(8));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (p.isAlive() && System.nanoTime() < deadline
                    && (!Files.exists(metricsFile) || MetricsLog.read(metricsFile).size() < target)) {
                Thread.sleep(20);
            }
            Thread.sleep(random.nextInt(300));
            if (p.isAlive()) {
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
                p.waitFor();
                killedMidRun++;
            }
            long done = new Checkpoints(killed.resolve("checkpoints")).newest().map(Checkpoints::stepOf).orElse(0L);
            System.out.printf("attempt %d: killed near step %d, newest complete checkpoint step %d%n", attempt, target,
                    done);
            if (done == steps) {
                break;
            }
        }
        CliRun b = CliRun.run("distill", "--config", file.toString(), "--resume", "--progress", "none");
        assertEquals(0, b.code(), b.err() + b.out());
        List<JsonNode> ma = metrics(straight);
        List<JsonNode> mb = metrics(killed);
        assertEquals(steps, mb.size(), "one metrics line per step after resumes");
        for (int i = 0; i < steps; i++) {
            assertEquals(ma.get(i).get("loss").asDouble(), mb.get(i).get("loss").asDouble(), 1e-9,
                    "step " + (i + 1) + " (kill seed " + seed + ")");
            assertEquals(ma.get(i).get("t").asDouble(), mb.get(i).get("t").asDouble(), 1e-12, "t at step " + (i + 1));
        }
        assertTrue(killedMidRun > 0, "no attempt was killed mid-run (seed " + seed + ")");
        byte[] wa = Files.readAllBytes(straight.resolve("checkpoints/step-" + steps + "/model/model.safetensors"));
        byte[] wb = Files.readAllBytes(killed.resolve("checkpoints/step-" + steps + "/model/model.safetensors"));
        assertTrue(java.util.Arrays.equals(wa, wb), "final weights differ (kill seed " + seed + ")");
        // a resumed run's checkpoints are whole model directories too, though the one it resumed from is retired
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json")) {
            assertTrue(Files.isRegularFile(killed.resolve("checkpoints/step-" + steps + "/model/" + f)), f);
        }
        System.out.printf("resume after %d SIGKILLs: %d steps, losses and final weights equal to the uninterrupted run%n",
                killedMidRun, steps);
    }

    /**
     * Two runs into one output: while a {@code vlmd distill} process trains, a second run (here with
     * --resume, which would otherwise clean and retire its checkpoints) is refused with exit 2 naming the
     * directory and the pid; after that process is SIGKILLed its lock is stale, and the next run takes it
     * over, says so, and finishes.
     */
    @Test
    void aSecondRunIntoAnOutputInUseIsRefusedAndAKilledRunsLockIsTakenOver() throws Exception {
        Path out = tmp.resolve("locked");
        ObjectNode cfg = config("fkl", out, 400);
        cfg.putObject("checkpoint").put("every", 0).put("keep", 1);
        Path file = write(cfg, tmp.resolve("locked.json"));
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(javaBin));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> !flag.startsWith("-Xmx") && !flag.startsWith("-javaagent")).toList());
        command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Vlmd.class.getName(),
                "distill", "--config", file.toString(), "--progress", "none"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("locked.log").toFile()).start();
        try {
            Path metricsFile = out.resolve("metrics.jsonl");
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (p.isAlive() && System.nanoTime() < deadline
                    && (!Files.exists(metricsFile) || MetricsLog.read(metricsFile).isEmpty())) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "the first run ended early: " + Files.readString(tmp.resolve("locked.log")));
            CliRun second = CliRun.run("distill", "--config", file.toString(), "--resume", "--progress", "none");
            assertEquals(2, second.code(), second.err() + second.out());
            assertTrue(second.err().contains(out.toString()) && second.err().contains("in use by pid " + p.pid()),
                    second.err());
        } finally {
            p.destroyForcibly(); // SIGKILL: the lock file keeps the dead run's pid
            p.waitFor();
        }
        ObjectNode shorter = cfg.deepCopy().put("max_steps", 3);
        CliRun after = CliRun.run("distill", "--config", write(shorter, tmp.resolve("locked-short.json")).toString(),
                "--resume", "--progress", "none");
        assertEquals(0, after.code(), after.err() + after.out());
        assertTrue(after.out().contains("took over") && after.out().contains("pid " + p.pid()), after.out());
    }

    @Test
    void aRunRecordsItsInputsAndAResumeRefusesChangedData() throws Exception {
        // a copy beside the shared data file (its image paths stay valid), so that editing it disturbs no other test
        Path data = pair.data.resolveSibling("provenance-" + pair.data.getFileName());
        Files.copy(pair.data, data);
        Path out = tmp.resolve("provenance");
        ObjectNode c = config("taid", out, 2).put("data", data.toString());
        c.putObject("checkpoint").put("every", 1).put("keep", 1);
        Path file = write(c, tmp.resolve("provenance.json"));
        CliRun first = CliRun.run("distill", "--config", file.toString(), "--progress", "none");
        assertEquals(0, first.code(), first.err() + first.out());

        JsonNode recorded = JSON.readTree(out.resolve("provenance.json").toFile());
        JsonNode dataEntry = recorded.path("files").get(0);
        assertEquals("data", dataEntry.path("role").asText());
        assertEquals(data.toAbsolutePath().normalize().toString(), dataEntry.path("path").asText());
        Process sha256sum = new ProcessBuilder("sha256sum", data.toString()).start();
        String independent = new String(sha256sum.getInputStream().readAllBytes()).split(" ")[0];
        assertEquals(0, sha256sum.waitFor());
        assertEquals(independent, dataEntry.path("sha256").asText());
        assertTrue(recorded.toString().contains(pair.studentDir.resolve("model.safetensors").toString()), recorded.toString());

        byte[] original = Files.readAllBytes(data);
        Files.writeString(data, "\n", java.nio.file.StandardOpenOption.APPEND); // the same records, other bytes
        CliRun refused = CliRun.run("distill", "--config", file.toString(), "--resume", "--progress", "none");
        assertEquals(Vlmd.EXIT_FAILURE, refused.code(), refused.err() + refused.out());
        assertTrue(refused.err().contains("data file " + data.toAbsolutePath().normalize() + " changed"), refused.err());

        Files.write(data, original);
        CliRun resumed = CliRun.run("distill", "--config", file.toString(), "--resume", "--progress", "none");
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        JsonNode after = JSON.readTree(out.resolve("provenance.json").toFile());
        assertEquals(recorded.path("files"), after.path("files"));
        assertEquals(2, after.path("resumes").get(0).path("step").asLong());
    }

    @Test
    void aConfigWithSeveralProblemsListsThemAll() throws IOException {
        ObjectNode c = config("taid", tmp.resolve("bad"), 10);
        c.put("batch_size", 0);
        c.put("colour", "blue");
        c.putObject("loss").put("name", "taid").put("t_start", 2.0).put("alpah", 1);
        c.putObject("optimizer").put("lr", "fast");
        CliRun r = CliRun.run("distill", "--config", write(c, tmp.resolve("bad.json")).toString());
        assertEquals(2, r.code(), r.out());
        for (String needle : List.of("batch_size", "colour: unknown field", "loss.t_start", "loss.alpah", "optimizer.lr")) {
            assertTrue(r.err().contains(needle), "missing '" + needle + "' in:\n" + r.err());
        }
    }

    @Test
    void dryRunValidatesAndPrintsThePlanWithoutTraining() throws IOException {
        Path out = tmp.resolve("dry");
        CliRun r = CliRun.run("distill", "--config", write(config("taid", out, 10), tmp.resolve("dry.json")).toString(),
                "--dry-run");
        assertEquals(0, r.code(), r.err());
        for (String needle : List.of("student", "teacher   online", "tokenizers agree on all " + TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()))
                .tokenizerSize() + " shared ids", "data      24 samples",
                "10 optimizer steps", "dry run")) {
            assertTrue(r.out().contains(needle), "missing '" + needle + "' in:\n" + r.out());
        }
        assertTrue(!Files.exists(out.resolve("metrics.jsonl")) && !Files.exists(out.resolve("checkpoints")));
    }

    @Test
    void aDivergingRunSkipsNonFiniteStepsThenStopsNamingTheBatch() throws IOException {
        Path out = tmp.resolve("diverge");
        ObjectNode c = config("fkl", out, 40);
        c.putObject("optimizer").put("lr", 1e30).put("max_grad_norm", 0.0); // weights overflow fp32 after a step
        c.put("max_bad_steps", 3);
        CliRun r = CliRun.run("distill", "--config", write(c, tmp.resolve("diverge.json")).toString(), "--progress", "none");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("after 3 skipped steps in a row") && r.err().contains("samples [shapes-"), r.err());
        List<JsonNode> m = metrics(out);
        assertTrue(m.getLast().get("skipped").asBoolean() && m.size() < 40, "stopped early at step " + m.size());
    }

    @Test
    void theOfflineTopKCacheStandsInForTheTeacher() throws IOException {
        Path cache = tmp.resolve("teacher-cache");
        ObjectNode c = config("taid", tmp.resolve("cached"), 30);
        Path file = write(c, tmp.resolve("cache-source.json"));
        CliRun w = CliRun.run("teacher-logits", "--config", file.toString(), "--out", cache.toString(), "--progress", "none");
        assertEquals(0, w.code(), w.err());
        assertTrue(w.out().contains("smaller than fp32 logits"), w.out());
        System.out.print(w.out());
        c.put("teacher_cache", cache.toString());
        CliRun r = CliRun.run("distill", "--config", write(c, tmp.resolve("cached.json")).toString(), "--progress", "none");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> m = metrics(tmp.resolve("cached"));
        double first = mean(m, 0, 5, "loss");
        double last = mean(m, 25, 30, "loss");
        System.out.printf("taid from the top-k cache: mean loss of steps 1-5 %.4f, of steps 26-30 %.4f%n", first, last);
        assertTrue(last < 0.9 * first, "loss " + first + " -> " + last);
        ObjectNode rkl = c.deepCopy();
        rkl.putObject("loss").put("name", "rkl");
        CliRun refused = CliRun.run("distill", "--config", write(rkl, tmp.resolve("rkl-cache.json")).toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("cannot read a top-k teacher_cache"), refused.err());
    }
}
