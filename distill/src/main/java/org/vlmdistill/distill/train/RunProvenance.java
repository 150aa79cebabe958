package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.device.Versions;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.core.io.FileDigests;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.datasets.read.Readers;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A run directory's {@code provenance.json}: the versions that started the run and the SHA-256 of
 * every file it reads, so that a result can be traced to exactly what produced it.
 *
 * <pre>
 * {
 *   "format" : 1,
 *   "started" : "2026-12-07T12:40:03.512Z",
 *   "versions" : { "vlmd" : "0.1.0-SNAPSHOT", "djl" : "0.35.1", "libtorch" : "2.7.1", "java" : "25.0.3+9-LTS" },
 *   "files" : [
 *     { "role" : "data", "path" : "/data/train.jsonl", "bytes" : 52311, "sha256" : "9f86d0..." },
 *     { "role" : "student", "path" : "/models/student/model.safetensors", "bytes" : 1234567, "sha256" : "..." },
 *     ...
 *   ],
 *   "resumes" : [ { "at" : "...", "checkpoint" : "/runs/a/checkpoints/step-40", "step" : 40, "versions" : {...} } ]
 * }
 * </pre>
 *
 * <p>Files, in this order, each hashed once (a file in two roles keeps its first):
 * {@code data}, every data file the config's patterns expand to (the record files; images that
 * records name by path are not hashed); {@code student}, the student directory's {@code config.json},
 * companion files ({@link ModelDirectory#COMPANION_FILES}) and {@code *.safetensors} weights and
 * index; {@code teacher_cache}, every file of the top-k cache when the config names one, else
 * {@code teacher}, the teacher directory's files as for the student.
 *
 * <p>A resumed run re-hashes the same list and refuses, naming the file, if any file changed,
 * disappeared or joined since the run started: a resumed run continues the same run only if it
 * reads the same bytes. A version change is allowed and recorded with the resume.
 */
public record RunProvenance(int format, String started, Versions versions, List<HashedFile> files,
                            List<Resume> resumes) {
    public static final String FILE = "provenance.json";
    public static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One input file: its role in the run ({@code data}, {@code student}, {@code teacher}, {@code teacher_cache}). */
    public record HashedFile(String role, String path, long bytes, String sha256) {
    }

    /** A resumption of the run from {@code checkpoint} at optimizer step {@code step}. */
    public record Resume(String at, String checkpoint, long step, Versions versions) {
    }

    public RunProvenance {
        files = List.copyOf(files);
        resumes = List.copyOf(resumes);
    }

    /** A new run's provenance: this process's versions and every input of {@code config} hashed now. */
    public static RunProvenance start(RunConfig config) throws IOException {
        return new RunProvenance(FORMAT, Instant.now().toString(), Versions.current(), hash(inputs(config)),
                List.of());
    }

    /**
     * The provenance of a run resumed from {@code checkpoint}: the run's recorded one with this resume
     * added, after checking that every input hashes as it did at the start.
     *
     * @throws IllegalStateException naming the first file that changed, vanished or was not an input at the start
     */
    public static RunProvenance resume(RunConfig config, Path checkpoint, PrintWriter log) throws IOException {
        long started = System.nanoTime();
        List<HashedFile> now = hash(inputs(config));
        Resume resume = new Resume(Instant.now().toString(), checkpoint.toAbsolutePath().normalize().toString(),
                Checkpoints.stepOf(checkpoint), Versions.current());
        Optional<RunProvenance> recorded = read(config.output());
        if (recorded.isEmpty()) {
            log.println("--resume: " + config.output().resolve(FILE) + " is missing (a run started by an older vlmd);"
                    + " recording the inputs as they are now");
            return new RunProvenance(FORMAT, null, null, now, List.of(resume));
        }
        RunProvenance then = recorded.get();
        requireSameFiles(then.files(), now, config.output().resolve(FILE));
        log.printf(Locale.ROOT, "--resume: the %d input files (%.1f MB) hash as when the run started (%.1f s)%n",
                now.size(), now.stream().mapToLong(HashedFile::bytes).sum() / 1e6, (System.nanoTime() - started) / 1e9);
        List<Resume> resumes = new ArrayList<>(then.resumes());
        resumes.add(resume);
        return new RunProvenance(then.format(), then.started(), then.versions(), then.files(), resumes);
    }

    /** The provenance recorded in {@code runDir}, if any. */
    public static Optional<RunProvenance> read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        RunProvenance p = JSON.readValue(file.toFile(), RunProvenance.class);
        if (p.format() != FORMAT) {
            throw new IOException(file + ": format " + p.format() + ", this version reads " + FORMAT);
        }
        return Optional.of(p);
    }

    /** Writes {@code provenance.json} into {@code runDir}, atomically. */
    public void write(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        AtomicFiles.write(runDir.resolve(FILE), (JSON.writeValueAsString(this) + "\n").getBytes(StandardCharsets.UTF_8),
                AtomicFiles.Durability.SYNC);
    }

    /** Every file {@code config}'s run reads, with its role, in the order the class comment gives. */
    public static Map<Path, String> inputs(RunConfig config) throws IOException {
        Map<Path, String> files = new LinkedHashMap<>();
        for (String pattern : config.data()) {
            for (Path p : Readers.expand(pattern)) {
                files.putIfAbsent(p.toAbsolutePath().normalize(), "data");
            }
        }
        for (Path p : modelFiles(config.student())) {
            files.putIfAbsent(p, "student");
        }
        if (config.teacherCache().isPresent()) {
            for (Path p : treeFiles(config.teacherCache().get())) {
                files.putIfAbsent(p, "teacher_cache");
            }
        } else if (config.teacher().isPresent()) {
            for (Path p : modelFiles(config.teacher().get())) {
                files.putIfAbsent(p, "teacher");
            }
        }
        return files;
    }

    /** A model directory's config, companion files and safetensors weights (with their index), sorted by name. */
    static List<Path> modelFiles(Path dir) throws IOException {
        Set<String> named = new LinkedHashSet<>();
        named.add(HfConfigs.CONFIG_FILE);
        named.addAll(ModelDirectory.COMPANION_FILES);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String name = p.getFileName().toString();
                return named.contains(name) || name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json");
            }).map(p -> p.toAbsolutePath().normalize()).sorted().toList();
        }
    }

    /** Every regular file under {@code dir}, sorted by path. */
    static List<Path> treeFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize()).sorted().toList();
        }
    }

    private static List<HashedFile> hash(Map<Path, String> inputs) throws IOException {
        List<HashedFile> out = new ArrayList<>(inputs.size());
        for (Map.Entry<Path, String> e : inputs.entrySet()) {
            Path p = e.getKey();
            out.add(new HashedFile(e.getValue(), p.toString(), Files.size(p), FileDigests.sha256(p)));
        }
        return out;
    }

    private static void requireSameFiles(List<HashedFile> then, List<HashedFile> now, Path recordedIn) {
        Map<String, HashedFile> before = new LinkedHashMap<>();
        then.forEach(f -> before.put(f.path(), f));
        String refusal = "; a resumed run must read the same files as the run it continues (recorded in "
                + recordedIn + "); start a new run with another output to train on these";
        for (HashedFile f : now) {
            HashedFile b = before.remove(f.path());
            if (b == null) {
                throw new IllegalStateException("cannot resume: " + f.role() + " file " + f.path()
                        + " was not among the run's inputs when it started" + refusal);
            }
            if (!b.sha256().equals(f.sha256())) {
                throw new IllegalStateException("cannot resume: " + f.role() + " file " + f.path()
                        + " changed since the run started (SHA-256 " + b.sha256() + ", " + b.bytes() + " bytes then; "
                        + f.sha256() + ", " + f.bytes() + " bytes now)" + refusal);
            }
        }
        if (!before.isEmpty()) {
            HashedFile gone = before.values().iterator().next();
            throw new IllegalStateException("cannot resume: " + gone.role() + " file " + gone.path()
                    + " was an input when the run started and is gone now" + refusal);
        }
    }
}
