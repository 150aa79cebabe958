package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.distill.data.TinyPair;

import org.vlmdistill.distill.train.Checkpoints;
import org.vlmdistill.distill.train.MetricsLog;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's exit-code contract (0 ok, 2 bad usage or config, 1 run failure), case by case: each
 * mistake of the caller exits 2 and names the field, file or path to fix, before any model loads.
 */
class ExitCodesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static TinyPair pair;

    @BeforeAll
    static void models() throws IOException {
        pair = TinyPair.create(tmp, 7, 8);
        pair.close(); // only the files are needed
    }

    static ObjectNode config(Path out) {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", pair.teacherDir.toString());
        c.put("data", pair.data.toString());
        c.put("output", out.toString());
        c.put("max_steps", 2);
        c.put("batch_size", 2);
        c.putObject("loss").put("name", "taid");
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 1).put("keep", 2);
        return c;
    }

    static Path write(ObjectNode config, String name) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, config.toPrettyString());
        return file;
    }

    /** Both the run and its dry run exit 2 naming {@code field}. */
    static void usage(ObjectNode config, String name, String... named) throws IOException {
        Path file = write(config, name + ".json");
        for (boolean dry : new boolean[] {true, false}) {
            CliRun r = dry ? CliRun.run("distill", "--config", file.toString(), "--dry-run")
                    : CliRun.run("distill", "--config", file.toString(), "--progress", "none");
            assertEquals(Vlmd.EXIT_USAGE, r.code(), name + (dry ? " (dry run): " : ": ") + r.err() + r.out());
            for (String n : named) {
                assertTrue(r.err().contains(n), name + ": the message names " + n + ": " + r.err());
            }
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void anUnknownComputeDeviceOrDtypeNamesTheRunConfigField() throws IOException {
        ObjectNode c = config(tmp.resolve("run-device"));
        c.putObject("compute").put("device", "tpu:7");
        usage(c, "device", "compute.device", "tpu:7");
        ObjectNode d = config(tmp.resolve("run-dtype"));
        d.putObject("compute").put("dtype", "fp8");
        usage(d, "dtype", "compute.dtype", "fp8");
    }

    @Test
    void aFreezeEntryMatchingNoParameterIsAConfigMistake() throws IOException {
        ObjectNode c = config(tmp.resolve("run-freeze"));
        c.putArray("freeze").add("vision").add("no_such_component");
        usage(c, "freeze", "freeze", "no_such_component");
    }

    @Test
    void aMissingDataFileOrStudentDirectoryIsAConfigMistake() throws IOException {
        ObjectNode c = config(tmp.resolve("run-data"));
        c.put("data", tmp.resolve("absent.jsonl").toString());
        usage(c, "data", "data", "absent.jsonl");
        ObjectNode s = config(tmp.resolve("run-student"));
        s.put("student", tmp.resolve("no-student").toString());
        usage(s, "student", "student", "no-student");
        ObjectNode t = config(tmp.resolve("run-teacher"));
        t.put("teacher", tmp.resolve("no-teacher").toString());
        usage(t, "teacher", "teacher", "no-teacher");
    }

    @Test
    void anOutputThatIsAFileIsRefusedBeforeAnythingLoads() throws IOException {
        Path file = Files.writeString(tmp.resolve("output-is-a-file"), "x");
        usage(config(file), "output-file", "output", "output-is-a-file", "not a directory");
        usage(config(file.resolve("run")), "output-under-file", "output", "output-is-a-file", "not a directory");
    }

    @Test
    void aTeacherCacheWithACorruptedShardFailsTheDryRun() throws IOException {
        Path cache = tmp.resolve("teacher-cache");
        Path source = write(config(tmp.resolve("cache-source")), "cache-source.json");
        CliRun w = CliRun.run("teacher-logits", "--config", source.toString(), "--out", cache.toString(), "--progress", "none");
        assertEquals(0, w.code(), w.err());
        Path shard;
        try (Stream<Path> files = Files.list(cache)) {
            shard = files.filter(f -> f.getFileName().toString().startsWith("shard-")).sorted().findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5a);
        }
        ObjectNode c = config(tmp.resolve("run-cache"));
        c.put("teacher_cache", cache.toString());
        c.remove("teacher");
        usage(c, "cache", shard.getFileName().toString(), "corrupted");
    }

    @Test
    void anUnknownBenchmarkKindIsNamedWithTheKinds() throws IOException {
        Path bench = Files.writeString(tmp.resolve("bench.jsonl"), "");
        CliRun r = CliRun.run("eval", "--model", pair.studentDir.toString(), "--bench", bench + ":nonsense_kind",
                "--out", tmp.resolve("eval-out").toString());
        assertEquals(Vlmd.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("nonsense_kind") && r.err().contains("multiple_choice"), r.err());
        assertFalse(r.err().contains("no such file"), r.err());
    }

    /**
     * Each eval option out of its range exits 2 naming that option, its range and the value, before a
     * model loads; values at the ends of the ranges pass the check (the run then fails on the empty bench
     * file, which is no option's fault, so no option is named).
     */
    @Test
    void evalOptionsOutOfRangeExitTwoNamingTheOption() throws IOException {
        Path bench = Files.writeString(tmp.resolve("ranges-bench.jsonl"), "");
        java.util.Random random = new java.util.Random();
        Map<String, List<String>> bad = Map.of(
                "--limit", List.of("-1", Integer.toString(-1 - random.nextInt(1000))),
                "--max-new-tokens", List.of("-1", Integer.toString((1 << 20) + 1 + random.nextInt(1000))),
                "--batch-size", List.of("0", "65537", Integer.toString(-random.nextInt(1000))));
        for (Map.Entry<String, List<String>> option : bad.entrySet()) {
            for (String value : option.getValue()) {
                CliRun r = CliRun.run("eval", "--model", pair.studentDir.toString(), "--bench", bench.toString(),
                        "--out", tmp.resolve("eval-ranges").toString(), option.getKey(), value);
                assertEquals(Vlmd.EXIT_USAGE, r.code(), option.getKey() + " " + value + ": " + r.err());
                assertTrue(r.err().contains(option.getKey() + ": must be ") && r.err().contains("got " + value),
                        option.getKey() + " " + value + ": " + r.err());
                for (String other : bad.keySet()) {
                    assertTrue(other.equals(option.getKey()) || !r.err().contains(other), "names only "
                            + option.getKey() + ": " + r.err());
                }
            }
        }
        for (String[] edge : new String[][] {{"--batch-size", "65536"}, {"--max-new-tokens", "1048576"}, {"--limit", "0"}}) {
            CliRun r = CliRun.run("eval", "--model", pair.studentDir.toString(), "--bench", bench.toString(),
                    "--out", tmp.resolve("eval-edges").toString(), edge[0], edge[1]);
            assertFalse(r.err().contains(edge[0] + ":"), edge[0] + " " + edge[1] + " is in range: " + r.err());
        }
    }

    /** A chat template nested 5,000 deep is a model directory that does not load: exit 2 naming the file. */
    @Test
    void aTemplateNestedTooDeepExitsTwoNamingTheFile() throws IOException {
        Path dir = tmp.resolve("deep-template-student");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(pair.studentDir)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path template = dir.resolve("chat_template.jinja");
        Files.writeString(template, "{% if true %}".repeat(5000) + "{{ messages }}" + "{% endif %}".repeat(5000));
        CliRun r = CliRun.run("generate", "--model", dir.toString(), "--prompt", "hi");
        assertEquals(Vlmd.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains(template.toString()) && r.err().contains("nest deeper than"), r.err());
        assertFalse(r.err().contains("StackOverflowError"), r.err());
    }

    /** teacher-logits checks the run config's paths as distill does, before a model loads: exit 2 naming the field. */
    @Test
    void teacherLogitsChecksTheRunInputsBeforeLoading() throws IOException {
        ObjectNode c = config(tmp.resolve("cache-run"));
        c.put("data", tmp.resolve("no-such-data.jsonl").toString());
        // a teacher directory that would fail to load, to show that nothing is loaded before the check
        Path teacher = Files.createDirectories(tmp.resolve("unloadable-teacher"));
        Files.writeString(teacher.resolve("config.json"), "{ not json");
        c.put("teacher", teacher.toString());
        Path file = write(c, "cache-missing-data.json");
        CliRun r = CliRun.run("teacher-logits", "--config", file.toString(), "--out", tmp.resolve("cache-x").toString(),
                "--progress", "none");
        assertEquals(Vlmd.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("data: ") && r.err().contains("no-such-data.jsonl") && r.err().contains("no such file"),
                r.err());
        assertFalse(r.err().contains("not valid JSON") || r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(tmp.resolve("cache-x")), "nothing written before the check");
    }

    @Test
    void aModelWhoseTensorsDoNotFitItsConfigExitsTwoFromEveryCommand(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100}""");
        Files.copy(pair.studentDir.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(pair.studentDir.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                InspectCommandTest.zeros("model.embed_tokens.weight", DType.F32, 100, 32)), Map.of("format", "pt"));
        CliRun inspect = CliRun.run("inspect", "--model", dir.toString());
        assertEquals(Vlmd.EXIT_USAGE, inspect.code(), inspect.err() + inspect.out());
        assertTrue(inspect.err().contains("do not fit"), inspect.err());
        CliRun generate = CliRun.run("generate", "--model", dir.toString(), "--prompt", "hi");
        assertEquals(Vlmd.EXIT_USAGE, generate.code(), generate.err());
        assertTrue(generate.err().contains("do not fit"), generate.err());
    }

    @Test
    void ctrlCExits130NamingTheLastCheckpointAndHowToResume() throws Exception {
        // a shell without job control starts background commands with SIGINT ignored, a child inherits that,
        // and the JVM then installs no SIGINT handler: Ctrl-C cannot reach the run (it trains on)
        Assumptions.assumeFalse(sigintIgnored(), "SIGINT is ignored in this process (started in the background by a"
                + " shell without job control); the run started from here would inherit that");
        Path out = tmp.resolve("run-interrupted");
        ObjectNode c = config(out);
        c.put("max_steps", 100_000);
        Path file = write(c, "interrupted.json");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(javaBin));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> !flag.startsWith("-Xmx") && !flag.startsWith("-javaagent")).toList());
        command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Vlmd.class.getName(),
                "distill", "--config", file.toString(), "--progress", "none"));
        Path log = tmp.resolve("interrupted.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path metrics = out.resolve("metrics.jsonl");
        Checkpoints checkpoints = new Checkpoints(out.resolve("checkpoints"));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (p.isAlive() && System.nanoTime() < deadline
                && (!Files.exists(metrics) || MetricsLog.read(metrics).size() < 3 || checkpoints.newest().isEmpty())) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run ended early: " + Files.readString(log));
        // SIGINT, as Ctrl-C sends it (Process.destroy sends SIGTERM)
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        // the shutdown hooks run while the last step finishes; on a loaded 2-core machine that took over 60 s once
        boolean ended = p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "still running 180 s after SIGINT: " + Files.readString(log));
        String printed = Files.readString(log);
        assertEquals(130, p.exitValue(), printed);
        Path newest = checkpoints.newest().orElseThrow();
        assertTrue(printed.contains("interrupted") && printed.contains(newest.toString()), printed);
        assertTrue(printed.contains("distill --config " + file + " --resume"), printed);
    }

    @Test
    void aTokenIdOutsideTheVocabularyIsNamedBeforeTheForward() throws IOException {
        // a tokenizer that knows a token the config's vocab_size does not cover (id 700 of the student's 128)
        Path dir = tmp.resolve("oov-student");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(pair.studentDir)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        ((ObjectNode) tokenizer.path("model").path("vocab")).put("zap", 700); // a WordLevel vocabulary
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer.toString());
        CliRun r = CliRun.run("generate", "--model", dir.toString(), "--prompt", "zap");
        assertEquals(Vlmd.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("700") && r.err().contains("vocab_size") && !r.err().contains("out of bounds"), r.err());
    }

    /** Whether this process ignores SIGINT: bit 1 (signal 2) of SigIgn in /proc/self/status. */
    private static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2L) != 0;
            }
        }
        return false;
    }
}
