package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.DjlRuntime;
import org.vlmdistill.core.device.Versions;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * provenance.json of a tiny run directory (no model is loaded: the files only need to exist), checked
 * against SHA-256 computed here over the bytes written, and what a resume does when an input changed.
 */
class RunProvenanceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    /** Every file written, with the bytes it holds: the independent side of the comparison. */
    final Map<Path, byte[]> written = new LinkedHashMap<>();
    final Random random = new Random(7);

    @BeforeEach
    void ensureOffline() {
        DjlRuntime.ensureOffline();
    }

    Path file(String name, int bytes) throws IOException {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        Path p = tmp.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, b);
        written.put(p.toAbsolutePath().normalize(), b);
        return p;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A student, a sharded teacher, two data files named by a brace pattern. */
    RunConfig config(boolean withCache) throws IOException {
        file("data/train-0.jsonl", 300);
        file("data/train-1.jsonl", 200);
        file("student/config.json", 40);
        file("student/model.safetensors", 3 * (1 << 20) + 11); // past FileDigests' buffer
        file("student/tokenizer.json", 90);
        file("teacher/config.json", 50);
        file("teacher/model-00001-of-00002.safetensors", 1000);
        file("teacher/model-00002-of-00002.safetensors", 700);
        file("teacher/model.safetensors.index.json", 60);
        // not inputs: a README, weights in a format the loader does not read, a hidden file
        Files.writeString(tmp.resolve("student/README.md"), "a tiny student");
        Files.writeString(tmp.resolve("student/pytorch_model.bin"), "not read");
        Files.writeString(tmp.resolve("student/.gitattributes"), "*.safetensors filter=lfs");
        ObjectNode c = JSON.createObjectNode();
        c.put("student", "student");
        c.put("teacher", "teacher");
        c.put("data", "data/train-{0..1}.jsonl");
        c.put("output", "run");
        if (withCache) {
            file("cache/index.json", 120);
            file("cache/shard-00000.bin", 800);
            c.put("teacher_cache", "cache");
        }
        Path cfg = tmp.resolve("run.json");
        Files.writeString(cfg, c.toPrettyString());
        return RunConfig.read(cfg);
    }

    @Test
    void recordsTheVersionsAndEveryInputsSha256() throws Exception {
        RunConfig config = config(false);
        RunProvenance p = RunProvenance.start(config);
        p.write(config.output());

        List<String> expected = new ArrayList<>();
        for (String name : List.of("data/train-0.jsonl", "data/train-1.jsonl", "student/config.json",
                "student/model.safetensors", "student/tokenizer.json", "teacher/config.json",
                "teacher/model-00001-of-00002.safetensors", "teacher/model-00002-of-00002.safetensors",
                "teacher/model.safetensors.index.json")) {
            Path path = tmp.resolve(name).toAbsolutePath().normalize();
            byte[] bytes = written.get(path);
            expected.add(name.substring(0, name.indexOf('/')) + " " + path + " "
                    + bytes.length + " " + sha256(bytes));
        }
        List<String> recorded = p.files().stream()
                .map(f -> f.role() + " " + f.path() + " " + f.bytes() + " " + f.sha256()).toList();
        assertEquals(expected, recorded);
        assertEquals(Versions.current(), p.versions());
        assertTrue(p.resumes().isEmpty());

        JsonNode onDisk = JSON.readTree(config.output().resolve(RunProvenance.FILE).toFile());
        assertEquals(RunProvenance.FORMAT, onDisk.get("format").asInt());
        assertEquals("2.7.1", onDisk.path("versions").path("libtorch").asText());
        assertEquals(sha256(written.get(tmp.resolve("student/model.safetensors"))),
                onDisk.path("files").get(3).path("sha256").asText());
        assertEquals(p, RunProvenance.read(config.output()).orElseThrow(), "reads back as written");
        try (var s = Files.list(config.output())) {
            assertEquals(List.of(config.output().resolve(RunProvenance.FILE)), s.toList(), "no temp file left");
        }
    }

    @Test
    void aTopKCacheStandsForTheTeachersWeights() throws Exception {
        RunConfig config = config(true);
        List<String> roles = RunProvenance.start(config).files().stream()
                .map(f -> f.role() + " " + tmp.relativize(Path.of(f.path()))).toList();
        assertEquals(List.of("data data/train-0.jsonl", "data data/train-1.jsonl", "student student/config.json",
                "student student/model.safetensors", "student student/tokenizer.json",
                "teacher_cache cache/index.json", "teacher_cache cache/shard-00000.bin"), roles);
    }

    @Test
    void aResumeWithUnchangedInputsIsRecorded() throws Exception {
        RunConfig config = config(false);
        RunProvenance start = RunProvenance.start(config);
        start.write(config.output());
        StringWriter log = new StringWriter();
        Path checkpoint = config.output().resolve("checkpoints/step-40");
        RunProvenance resumed = RunProvenance.resume(config, checkpoint, new PrintWriter(log, true));
        assertEquals(start.files(), resumed.files());
        assertEquals(start.started(), resumed.started());
        assertEquals(1, resumed.resumes().size());
        assertEquals(40, resumed.resumes().getFirst().step());
        assertEquals(checkpoint.toAbsolutePath().normalize().toString(), resumed.resumes().getFirst().checkpoint());
        assertTrue(log.toString().contains("the 9 input files"), log.toString());

        resumed.write(config.output());
        RunProvenance twice = RunProvenance.resume(config, config.output().resolve("checkpoints/step-80"),
                new PrintWriter(new StringWriter()));
        assertEquals(List.of(40L, 80L), twice.resumes().stream().map(RunProvenance.Resume::step).toList());
    }

    @Test
    void aResumeIsRefusedNamingTheFileThatChanged() throws Exception {
        RunConfig config = config(false);
        RunProvenance.start(config).write(config.output());
        Path checkpoint = config.output().resolve("checkpoints/step-4");
        PrintWriter log = new PrintWriter(new StringWriter());

        // one byte of a data file, its size unchanged
        Path data = tmp.resolve("data/train-1.jsonl");
        byte[] original = Files.readAllBytes(data);
        byte[] edited = original.clone();
        edited[100] ^= 1;
        Files.write(data, edited);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RunProvenance.resume(config, checkpoint, log));
        assertTrue(e.getMessage().contains("data file " + data.toAbsolutePath().normalize() + " changed"), e.getMessage());
        assertTrue(e.getMessage().contains(sha256(original)) && e.getMessage().contains(sha256(edited)), e.getMessage());
        Files.write(data, original);

        Path weights = tmp.resolve("teacher/model-00002-of-00002.safetensors");
        Files.write(weights, new byte[] {1, 2, 3});
        e = assertThrows(IllegalStateException.class, () -> RunProvenance.resume(config, checkpoint, log));
        assertTrue(e.getMessage().contains("teacher file " + weights.toAbsolutePath().normalize() + " changed"),
                e.getMessage());
        Files.write(weights, written.get(weights.toAbsolutePath().normalize()));

        Path tokenizer = tmp.resolve("student/tokenizer.json");
        Files.delete(tokenizer);
        e = assertThrows(IllegalStateException.class, () -> RunProvenance.resume(config, checkpoint, log));
        assertTrue(e.getMessage().contains("student file " + tokenizer.toAbsolutePath().normalize() + " was an input"
                + " when the run started and is gone now"), e.getMessage());
        Files.write(tokenizer, written.get(tokenizer.toAbsolutePath().normalize()));

        Path shard = tmp.resolve("student/model-extra.safetensors");
        Files.writeString(shard, "new weights");
        e = assertThrows(IllegalStateException.class, () -> RunProvenance.resume(config, checkpoint, log));
        assertTrue(e.getMessage().contains("student file " + shard.toAbsolutePath().normalize()
                + " was not among the run's inputs"), e.getMessage());
        Files.delete(shard);

        assertNotNull(RunProvenance.resume(config, checkpoint, log), "restored, the inputs are accepted again");
    }

    @Test
    void aRunWithoutProvenanceResumesAndStartsRecording() throws Exception {
        RunConfig config = config(false);
        StringWriter log = new StringWriter();
        RunProvenance p = RunProvenance.resume(config, config.output().resolve("checkpoints/step-2"),
                new PrintWriter(log, true));
        assertEquals(9, p.files().size());
        assertEquals(1, p.resumes().size());
        assertTrue(log.toString().contains("is missing"), log.toString());
    }
}
