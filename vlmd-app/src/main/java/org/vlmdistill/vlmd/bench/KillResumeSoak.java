package org.vlmdistill.vlmd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.distill.train.Checkpoints;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.vlmd.cli.Vlmd;
import org.vlmdistill.vlmd.demo.DemoModels;
import org.vlmdistill.vlmd.demo.DemoTeacher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The kill-and-resume soak: one tiny distillation run (the demo's Idefics3 student and shipped teacher on
 * Shapes, TAID) made three ways, each by {@code vlmd distill} in a child JVM started exactly as the
 * {@code vlmd} launcher starts it:
 * <ol>
 *   <li>uninterrupted, the reference;</li>
 *   <li>killed with SIGKILL {@code kills} times, resumed each time with the README's command
 *       ({@code vlmd distill --config F --resume}), then run to the end. The kills rotate through four
 *       kinds of moment: a random delay after the start, the moment a checkpoint's hidden staging
 *       directory appears, the moment its last file ({@code trainer_state.json}) is there but the
 *       rename has not happened, and the moment an old checkpoint is being retired;</li>
 *   <li>optionally, with the output on a small file system ({@code fullDisk}, e.g. a tmpfs the caller
 *       mounted) filled up so that a checkpoint write fails: the run must exit 1 naming the path and
 *       leave no hidden or partial checkpoint; after the filler is deleted, {@code --resume} finishes it.</li>
 * </ol>
 * Every {@code metrics.jsonl} row of (2) and (3) must equal the reference's (all fields but the
 * timings {@code step_seconds} and {@code tokens_per_s}), and every file of the final checkpoint
 * (weights, optimizer moments, trainer state but {@code elapsed_seconds}) must equal it byte for byte.
 * Exit 0 when all held, 1 otherwise. {@code tools/soak-kill-resume} runs it.
 */
public final class KillResumeSoak {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fields of a metrics row that are wall-clock timings, not results. */
    private static final Set<String> TIMINGS = Set.of("step_seconds", "tokens_per_s");

    /** What the soak does. */
    public record Settings(Path work, int steps, int checkpointEvery, int batchSize, int kills, long seed,
                           Optional<Path> fullDisk) {
    }

    /** Where the moment of a kill is chosen. */
    enum Moment { RANDOM, STAGING_APPEARS, STAGING_COMPLETE, RETIRING }

    /** One kill: where it was aimed, when it came, and what the killed run left on disk. */
    record Kill(int n, Moment aimedAt, long afterMillis, boolean landed, int metricsRows, String newestCheckpoint,
                List<String> hiddenLeft) {
        String describe() {
            return String.format(Locale.ROOT, "kill %2d: %-16s after %6d ms%s; metrics rows %4d, newest %s, hidden left: %s",
                    n, aimedAt, afterMillis, landed ? "" : " (moment not seen: killed when the wait ended)", metricsRows,
                    newestCheckpoint, hiddenLeft.isEmpty() ? "none" : String.join(", ", hiddenLeft));
        }
    }

    private final Settings settings;
    private final PrintStream log;
    private final SplittableRandom random;
    private final List<String> failures = new ArrayList<>();

    public KillResumeSoak(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.random = new SplittableRandom(settings.seed());
    }

    public static void main(String[] args) throws Exception {
        Path work = null;
        int steps = 80;
        int every = 3;
        int batch = 4;
        int kills = 12;
        long seed = System.nanoTime();
        Optional<Path> fullDisk = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--work" -> work = Path.of(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--every" -> every = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--full-disk" -> fullDisk = Optional.of(Path.of(args[++i]));
                default -> {
                    System.err.println("usage: KillResumeSoak --work DIR [--steps N --every N --batch N --kills N"
                            + " --seed S --full-disk MOUNTED_DIR]" + (value == null ? "" : ""));
                    System.exit(2);
                }
            }
        }
        if (work == null) {
            System.err.println("--work DIR is required");
            System.exit(2);
        }
        boolean ok = new KillResumeSoak(new Settings(work, steps, every, batch, kills, seed, fullDisk), System.out).run();
        System.exit(ok ? 0 : 1);
    }

    /** The whole soak; true when every comparison held. */
    public boolean run() throws IOException, InterruptedException {
        Path work = settings.work().toAbsolutePath().normalize();
        log.printf(Locale.ROOT, "soak: %d steps, a checkpoint every %d, batch %d, %d kills, seed %d, work %s%n",
                settings.steps(), settings.checkpointEvery(), settings.batchSize(), settings.kills(), settings.seed(), work);
        Inputs inputs = Inputs.write(work.resolve("inputs"), settings);

        Path referenceOut = work.resolve("reference");
        Path referenceConfig = inputs.config(referenceOut, work.resolve("reference.json"));
        long t0 = System.nanoTime();
        int code = runToEnd(referenceConfig, false, work.resolve("logs").resolve("reference.log"));
        long referenceMillis = (System.nanoTime() - t0) / 1_000_000;
        if (code != 0) {
            log.println("the reference run failed (exit " + code + "); see " + work.resolve("logs"));
            return false;
        }
        log.printf(Locale.ROOT, "reference: %d steps in %.1f s (one process)%n", settings.steps(), referenceMillis / 1e3);

        Path soakOut = work.resolve("killed");
        Path soakConfig = inputs.config(soakOut, work.resolve("killed.json"));
        List<Kill> kills = killAndResume(soakConfig, soakOut, referenceMillis, work.resolve("logs"));
        kills.forEach(k -> log.println(k.describe()));
        compare("killed", referenceOut, soakOut);

        if (settings.fullDisk().isPresent()) {
            fullDisk(inputs, referenceOut, settings.fullDisk().get(), work.resolve("logs"));
        }
        if (failures.isEmpty()) {
            log.println("soak: PASSED");
        } else {
            log.println("soak: FAILED");
            failures.forEach(f -> log.println("  " + f));
        }
        return failures.isEmpty();
    }

    /** The tiny run's models, data and config, written once and shared by every run of the soak. */
    record Inputs(Path student, Path teacher, Path data, Settings settings) {
        static Inputs write(Path dir, Settings s) throws IOException {
            Path student = DemoModels.writeStudent(dir.resolve("student"), 1000 + s.seed() % 1000);
            Path teacher = DemoTeacher.copyTo(dir.resolve("teacher"));
            Path data = dir.resolve("shapes");
            ShapesDataset.write(data, s.batchSize() * s.steps(), 1, 2026);
            return new Inputs(student, teacher, data.resolve(ShapesDataset.TRAIN_JSONL), s);
        }

        /** The run config of one run of the soak, into {@code output}; everything else the same. */
        Path config(Path output, Path file) throws IOException {
            ObjectNode c = JSON.createObjectNode();
            c.put("student", student.toString());
            c.put("teacher", teacher.toString());
            c.put("data", data.toString());
            c.put("output", output.toString());
            c.put("seed", 7);
            c.put("max_steps", settings.steps());
            c.put("batch_size", settings.batchSize());
            c.putObject("loss").put("name", "taid");
            c.putObject("optimizer").put("weight_decay", 0.01).putObject("lr").put("type", "cosine").put("peak", 3e-3)
                    .put("warmup_steps", 10).put("min_ratio", 0.1);
            c.putObject("checkpoint").put("every", settings.checkpointEvery()).put("keep", 2);
            Files.createDirectories(file.getParent());
            Files.writeString(file, c.toPrettyString());
            return file;
        }
    }

    private List<Kill> killAndResume(Path config, Path out, long referenceMillis, Path logs)
            throws IOException, InterruptedException {
        List<Kill> kills = new ArrayList<>();
        Moment[] rotation = Moment.values();
        int attempt = 0;
        while (kills.size() < settings.kills()) {
            if (finished(out)) {
                failures.add("the run finished after " + kills.size() + " kills, before the " + settings.kills()
                        + " asked for: give it more --steps");
                break;
            }
            Moment moment = rotation[kills.size() % rotation.length];
            // a killed writer's leftovers stay until the resumed run cleans them: only new ones mark the moment
            Set<String> before = Set.copyOf(hidden(out.resolve("checkpoints")));
            Process p = start(config, attempt > 0, logs.resolve("killed-" + attempt + ".log"));
            attempt++;
            long started = System.nanoTime();
            // random moments spread over about a fifth of the uninterrupted run's time
            long delay = moment == Moment.RANDOM ? random.nextLong(200, Math.max(400, referenceMillis / 5)) : 0;
            boolean landed = waitFor(moment, out, before, p, started, delay, Math.max(30_000, referenceMillis));
            if (!p.isAlive()) {
                int code = p.waitFor();
                if (code != 0) {
                    failures.add("attempt " + attempt + " exited " + code + " before its kill; see " + logs);
                    break;
                }
                continue; // it finished: the loop's check ends the soak
            }
            long after = (System.nanoTime() - started) / 1_000_000;
            p.destroyForcibly(); // SIGKILL on Linux
            p.waitFor();
            Checkpoints cps = new Checkpoints(out.resolve("checkpoints"));
            kills.add(new Kill(kills.size() + 1, moment, after, landed,
                    MetricsLog.read(out.resolve("metrics.jsonl")).size(),
                    cps.newest().map(c -> c.getFileName().toString()).orElse("none"), hidden(cps.dir())));
        }
        int code = runToEnd(config, true, logs.resolve("killed-final.log"));
        if (code != 0) {
            failures.add("the last resume exited " + code + "; see " + logs.resolve("killed-final.log"));
        }
        return kills;
    }

    /**
     * Waits for {@code moment} (or {@code delay} ms for a random one); false when the moment was not seen
     * within {@code patienceMillis} or the process ended.
     */
    private static boolean waitFor(Moment moment, Path out, Set<String> leftovers, Process p, long started, long delay,
                                   long patienceMillis) throws InterruptedException {
        Path checkpoints = out.resolve("checkpoints");
        long deadline = started + patienceMillis * 1_000_000;
        while (p.isAlive() && System.nanoTime() < deadline) {
            switch (moment) {
                case RANDOM -> {
                    if (System.nanoTime() - started >= delay * 1_000_000) {
                        return true;
                    }
                    Thread.sleep(1);
                }
                case STAGING_APPEARS -> {
                    if (hiddenMatching(checkpoints, ".step-*.tmp-*").stream()
                            .anyMatch(d -> !leftovers.contains(d.getFileName().toString()))) {
                        return true;
                    }
                }
                case STAGING_COMPLETE -> {
                    for (Path staging : hiddenMatching(checkpoints, ".step-*.tmp-*")) {
                        if (!leftovers.contains(staging.getFileName().toString())
                                && Files.exists(staging.resolve(Checkpoints.TRAINER_STATE))) {
                            return true;
                        }
                    }
                }
                case RETIRING -> {
                    if (hiddenMatching(checkpoints, ".step-*.old-*").stream()
                            .anyMatch(d -> !leftovers.contains(d.getFileName().toString()))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static List<Path> hiddenMatching(Path dir, String glob) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            s.forEach(found::add);
        } catch (IOException e) {
            // not there yet (or being renamed): nothing found this time
        }
        return found;
    }

    private static List<String> hidden(Path dir) {
        return hiddenMatching(dir, ".*").stream().map(p -> p.getFileName().toString()).sorted().toList();
    }

    private static boolean finished(Path out) throws IOException {
        Optional<Path> newest = new Checkpoints(out.resolve("checkpoints")).newest();
        if (newest.isEmpty()) {
            return false;
        }
        JsonNode state = JSON.readTree(newest.get().resolve(Checkpoints.TRAINER_STATE).toFile());
        return state.path("optimizer_step").asLong() == state.path("total_steps").asLong();
    }

    /**
     * The full disk: the output on {@code mount} (a small file system), a filler leaving room for about
     * one and a half checkpoints once the run has started, so the second checkpoint fails.
     */
    private void fullDisk(Inputs inputs, Path referenceOut, Path mount, Path logs) throws IOException, InterruptedException {
        Path out = mount.resolve("run");
        AtomicFiles.deleteTree(out);
        Path config = inputs.config(out, settings.work().toAbsolutePath().resolve("full-disk.json"));
        long checkpointBytes = treeBytes(new Checkpoints(referenceOut.resolve("checkpoints")).newest().orElseThrow());
        Path filler = mount.resolve("filler");
        Files.deleteIfExists(filler);
        long free = Files.getFileStore(mount).getUsableSpace();
        // the run's own files before its first checkpoint (config, provenance, metrics, lock) and its plots
        // are far below half a checkpoint of this model
        long leave = checkpointBytes + checkpointBytes / 2;
        if (free < leave + (1 << 20)) {
            failures.add("full disk: " + mount + " has " + free + " bytes free, too few for a " + checkpointBytes
                    + "-byte checkpoint");
            return;
        }
        try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
            byte[] block = new byte[1 << 20];
            long want = free - leave;
            for (long written = 0; written < want; written += block.length) {
                f.write(block, 0, (int) Math.min(block.length, want - written));
            }
        }
        log.printf(Locale.ROOT, "full disk: %s, checkpoint %d bytes, %d bytes left free%n", mount, checkpointBytes,
                Files.getFileStore(mount).getUsableSpace());
        Path firstLog = logs.resolve("full-disk.log");
        int code = runToEnd(config, false, firstLog);
        String printed = Files.readString(firstLog);
        Checkpoints cps = new Checkpoints(out.resolve("checkpoints"));
        List<String> complete = cps.complete().stream().map(c -> c.getFileName().toString()).toList();
        List<String> left = hidden(cps.dir());
        String lastLine = printed.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        log.printf(Locale.ROOT, "full disk: exit %d, complete checkpoints %s, hidden left %s, metrics rows %d%n  said: %s%n",
                code, complete, left.isEmpty() ? "none" : left, MetricsLog.read(out.resolve("metrics.jsonl")).size(), lastLine);
        if (code != Vlmd.EXIT_FAILURE) {
            failures.add("full disk: exit " + code + ", the README says 1 for a run failure");
        }
        if (!printed.contains("No space left on device") || !printed.contains(mount.toString())) {
            failures.add("full disk: the message does not name the path and the reason: " + lastLine);
        }
        if (printed.contains("\tat ")) {
            failures.add("full disk: a stack trace was printed");
        }
        if (!left.isEmpty()) {
            failures.add("full disk: hidden checkpoint directories left behind: " + left);
        }
        Files.delete(filler);
        int resumed = runToEnd(config, true, logs.resolve("full-disk-resume.log"));
        if (resumed != 0) {
            failures.add("full disk: the resume after freeing space exited " + resumed);
            return;
        }
        compare("full disk", referenceOut, out);
    }

    // ---- comparison ----

    /** Every metrics row and every file of the last checkpoint of {@code run} against the reference's. */
    private void compare(String name, Path reference, Path run) throws IOException {
        List<JsonNode> a = MetricsLog.read(reference.resolve("metrics.jsonl"));
        List<JsonNode> b = MetricsLog.read(run.resolve("metrics.jsonl"));
        int equalRows = 0;
        double maxAbs = 0;
        double maxRel = 0;
        String firstDiff = null;
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            ObjectNode x = withoutTimings(a.get(i));
            ObjectNode y = withoutTimings(b.get(i));
            if (x.equals(y)) {
                equalRows++;
                continue;
            }
            if (firstDiff == null) {
                firstDiff = "row " + (i + 1) + ": " + x + " vs " + y;
            }
            for (Iterator<String> it = x.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (x.get(f).isNumber() && y.path(f).isNumber()) {
                    double d = Math.abs(x.get(f).asDouble() - y.get(f).asDouble());
                    maxAbs = Math.max(maxAbs, d);
                    double scale = Math.max(Math.abs(x.get(f).asDouble()), Math.abs(y.get(f).asDouble()));
                    maxRel = Math.max(maxRel, scale == 0 ? 0 : d / scale);
                }
            }
        }
        log.printf(Locale.ROOT, "%s: metrics rows %d (reference %d), equal %d; max abs difference %.3g, max relative %.3g%n",
                name, b.size(), a.size(), equalRows, maxAbs, maxRel);
        if (a.size() != b.size() || equalRows != a.size()) {
            failures.add(name + ": metrics differ" + (firstDiff == null ? " in count" : "; first: " + firstDiff));
        }
        Path ra = new Checkpoints(reference.resolve("checkpoints")).newest().orElseThrow();
        Optional<Path> rb = new Checkpoints(run.resolve("checkpoints")).newest();
        if (rb.isEmpty() || !rb.get().getFileName().equals(ra.getFileName())) {
            failures.add(name + ": last checkpoint " + rb.map(Path::toString).orElse("none") + ", the reference's " + ra);
            return;
        }
        List<String> files = relativeFiles(ra);
        int same = 0;
        for (String f : files) {
            Path fa = ra.resolve(f);
            Path fb = rb.get().resolve(f);
            boolean equal;
            if (f.equals(Checkpoints.TRAINER_STATE)) {
                equal = Files.exists(fb) && withoutElapsed(fa).equals(withoutElapsed(fb));
            } else if (f.equals(Checkpoints.RUN_CONFIG)) {
                equal = Files.exists(fb); // run_config names its output; compared by requireSameRun on resume
            } else {
                equal = Files.exists(fb) && Arrays.equals(Files.readAllBytes(fa), Files.readAllBytes(fb));
            }
            if (equal) {
                same++;
            } else {
                failures.add(name + ": " + f + " of the last checkpoint differs from the reference's");
            }
        }
        if (!relativeFiles(rb.get()).equals(files)) {
            failures.add(name + ": the last checkpoint holds other files than the reference's");
        }
        log.printf(Locale.ROOT, "%s: last checkpoint %s, %d of %d files equal to the reference's (weights and optimizer"
                + " byte for byte)%n", name, rb.get().getFileName(), same, files.size());
    }

    private static ObjectNode withoutTimings(JsonNode row) {
        ObjectNode copy = row.deepCopy();
        copy.remove(TIMINGS);
        return copy;
    }

    private static JsonNode withoutElapsed(Path trainerState) throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(trainerState.toFile());
        s.remove("elapsed_seconds");
        return s;
    }

    private static List<String> relativeFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static long treeBytes(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            long n = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                n += Files.size(p);
            }
            return n;
        }
    }

    // ---- child processes ----

    /** {@code vlmd distill --config F [--resume]} in a child JVM with this JVM's flags and class path. */
    private static Process start(Path config, boolean resume, Path logFile) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> !flag.startsWith("-javaagent")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Vlmd.class.getName(),
                "distill", "--config", config.toString(), "--progress", "none"));
        if (resume) {
            command.add("--resume");
        }
        Files.createDirectories(logFile.getParent());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    }

    private static int runToEnd(Path config, boolean resume, Path logFile) throws IOException, InterruptedException {
        Process p = start(config, resume, logFile);
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
