package org.vlmdistill.distill.train;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.core.io.DirectoryLock;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.tensor.Scalars;
import org.vlmdistill.core.tensor.TensorLoader;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.batch.SkippedSample;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.align.StreamAlignment;
import org.vlmdistill.distill.data.BatchForward;
import org.vlmdistill.distill.data.PairedSamples;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.loss.ChunkedLoss;
import org.vlmdistill.distill.loss.LossContext;
import org.vlmdistill.distill.loss.LossResult;
import org.vlmdistill.distill.loss.StudentRows;
import org.vlmdistill.distill.loss.TeacherLogits;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The distillation loop, in the order docs/architecture.md draws one step:
 *
 * <pre>
 * for each optimizer step:
 *   for each of gradient_accumulation_steps micro-batches:
 *     batch  = next paired batch (student and teacher tokenizations of the same samples)
 *     rows   = aligned loss rows (text positions matched across the streams, labels shifted)
 *     teacher signal for those rows (online forward without gradient, or the top-k cache)
 *     student forward under autograd -> last hidden states at the rows
 *     loss   = ChunkedLoss (distillation + LM mix, fp32 per chunk) ; backward(surrogate / accumulation)
 *     loss.afterMicroBatch(J)            (TAID's t: training micro-batches only)
 *   clip the global gradient norm; AdamW at the schedule's learning rate; zero gradients
 *   log metrics.jsonl; progress; every N steps a checkpoint (atomic) and plots
 * </pre>
 *
 * A non-finite loss or gradient norm skips the optimizer step (its gradients are dropped) and counts;
 * {@code max_bad_steps} in a row stop the run, naming the step and the samples of the last batch.
 * Weights that are not finite (a step's update overflowed; the next step's loss is then non-finite)
 * are never written: every checkpoint, the last included, first checks them and stops the run instead.
 * On CPU in fp32 a run is deterministic: the data order is a function of the seed, and a resumed run
 * restores weights, optimizer moments, the loss's state and the data cursor exactly, so its losses
 * continue the uninterrupted run's.
 */
public final class Trainer implements AutoCloseable {
    private volatile boolean stopRequested;
    private final CountDownLatch finished = new CountDownLatch(1);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final int STATE_FORMAT = 1;

    private final RunConfig config;
    private final DirectoryLock outputLock;
    private final TrainingSetup setup;
    private final PrintWriter log;
    private final Checkpoints checkpoints;
    private final AdamWOptimizer optimizer;
    private final List<Parameter> trainable;
    private final long totalSteps;
    private final RunProvenance provenance;
    private long optimizerStep;
    private long microSteps;
    private long tokensSeen;
    private int badInRow;
    private long skippedSteps;
    /** Records a batch left out while training (an image changed since the check before the first step). */
    private final List<SkippedLog.Entry> skippedInTraining = new ArrayList<>();
    private Cursor cursor;
    private double elapsedSeconds;
    private final StepPhases phases = new StepPhases();

    private Trainer(RunConfig config, DirectoryLock outputLock, TrainingSetup setup, PrintWriter log,
                    Optional<Path> resumeFrom, RunProvenance provenance) throws IOException {
        this.config = config;
        this.outputLock = outputLock;
        this.provenance = provenance;
        this.setup = setup;
        this.log = log;
        this.checkpoints = new Checkpoints(config.output().resolve("checkpoints"));
        this.trainable = new ArrayList<>(setup.trainable());
        trainable.addAll(setup.loss().loss().parameters());
        trainable.forEach(p -> p.array().setRequiresGradient(true));
        this.optimizer = new AdamWOptimizer(trainable, config.optimizer(), setup.policy().ops(),
                setup.student().parameters().list().getFirst().array().getManager());
        this.totalSteps = setup.totalSteps();
        this.cursor = setup.start();
        if (resumeFrom.isPresent()) {
            restore(resumeFrom.get());
        }
    }

    /**
     * Opens a run: everything {@link TrainingSetup} validates, then, with {@code resume}, the newest
     * complete checkpoint under the run's output (a fresh start when there is none). Every input file
     * is hashed for {@link RunProvenance}; a resume whose inputs changed since the run started is refused.
     * The output directory is locked first ({@link DirectoryLock}) and stays locked until {@link #close}:
     * a second run into it, which would clean, retire and overwrite this one's checkpoints, is refused.
     *
     * @throws org.vlmdistill.core.io.DirectoryInUseException while another run holds the output
     */
    public static Trainer open(RunConfig config, boolean resume, PrintWriter log) throws IOException {
        RunInputs.check(config); // before the lock creates the output: an output that is a file is named as a field
        DirectoryLock lock = DirectoryLock.acquire(config.output(), "vlmd distill");
        try {
            lock.tookOverNote().ifPresent(log::println);
            return open(config, lock, resume, log);
        } catch (IOException | RuntimeException e) {
            try {
                lock.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static Trainer open(RunConfig config, DirectoryLock lock, boolean resume, PrintWriter log)
            throws IOException {
        Checkpoints cps = new Checkpoints(config.output().resolve("checkpoints"));
        Optional<Path> from = Optional.empty();
        if (resume) {
            int cleaned = cps.cleanLeftovers();
            if (cleaned > 0) {
                log.printf("removed %d incomplete checkpoint director%s left by an interrupted run%n", cleaned,
                        cleaned == 1 ? "y" : "ies");
            }
            from = cps.newest();
            if (from.isEmpty()) {
                log.println("--resume: no complete checkpoint under " + cps.dir() + "; starting from the beginning");
            } else {
                requireSameRun(config, from.get());
            }
        } else if (!cps.complete().isEmpty()) {
            throw new IllegalStateException(config.output() + " already holds checkpoints of a run; pass --resume to"
                    + " continue it, or choose another output");
        }
        // the student always opens from the config's directory (its tokenizer, template and processor files);
        // a resumed run then takes its weights from the checkpoint (restore)
        TrainingSetup setup;
        try {
            setup = TrainingSetup.open(config, log, from.isPresent() ? leftOut(from.get()) : Optional.empty());
        } catch (UnusableDataException e) {
            // stopped before the first step: the run directory still names every record it left out
            throw e.recordedIn(config.output().resolve(SkippedLog.FILE));
        }
        try {
            RunProvenance provenance = from.isPresent() ? RunProvenance.resume(config, from.get(), log)
                    : RunProvenance.start(config);
            return new Trainer(config, lock, setup, log, from, provenance);
        } catch (IOException | RuntimeException e) {
            setup.close();
            throw e;
        }
    }

    /** Steps done so far (after a resume: the checkpoint's). */
    public long optimizerStep() {
        return optimizerStep;
    }

    public long totalSteps() {
        return totalSteps;
    }

    public TrainingSetup setup() {
        return setup;
    }

    /**
     * Asks {@link #run} to return after the step in progress (and the checkpoint due after it); from any
     * thread, e.g. a shutdown hook on Ctrl-C, which then {@link #awaitFinished waits} so that what it reports
     * as the newest checkpoint stays the newest.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether {@link #requestStop} was called. */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** Waits until {@link #run} has returned or thrown, at most {@code timeout}; whether it has. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Trains to the last step, or until {@link #requestStop}; returns the summary of the run so far. */
    public RunSummary run(Progress progress) throws IOException {
        Files.createDirectories(config.output());
        writeResolvedConfig();
        provenance.write(config.output());
        writeSkipped();
        long started = System.nanoTime();
        double elapsedBefore = elapsedSeconds;
        try (MetricsLog metrics = MetricsLog.open(config.output().resolve("metrics.jsonl"), optimizerStep)) {
            while (optimizerStep < totalSteps && !stopRequested) {
                long stepStart = System.nanoTime();
                phases.start();
                StepOutcome outcome = takeStep();
                double seconds = (System.nanoTime() - stepStart) / 1e9;
                elapsedSeconds = elapsedBefore + (System.nanoTime() - started) / 1e9;
                ObjectNode line = metricsLine(outcome, seconds);
                metrics.write(line);
                progress.update(optimizerStep, progressText(outcome, seconds));
                if (!outcome.applied()) {
                    progress.note(String.format(Locale.ROOT, "step %d skipped: %s (%d in a row)", optimizerStep,
                            outcome.problem(), badInRow));
                    if (badInRow >= config.maxBadSteps()) {
                        throw new TrainingDivergedException(optimizerStep, badInRow, outcome.problem(),
                                outcome.lastBatch());
                    }
                }
                boolean last = optimizerStep == totalSteps;
                long every = config.checkpoint().every();
                if (last || (every > 0 && optimizerStep % every == 0)) {
                    Path cp = saveCheckpoint();
                    Plots.draw(MetricsLog.read(metrics.file()), config.output().resolve("plots"),
                            setup.loss().loss().name());
                    progress.note("checkpoint " + cp);
                }
            }
        } finally {
            progress.close();
            finished.countDown();
        }
        return new RunSummary(optimizerStep, tokensSeen, skippedSteps, setup.samples().size(), skippedRecords(),
                elapsedSeconds, checkpoints.newest().orElse(null), config.output().resolve("metrics.jsonl"),
                config.output().resolve(SkippedLog.FILE));
    }

    /** What one optimizer step did. */
    record StepOutcome(boolean applied, String problem, double loss, double distil, double lm, double ratio,
                       double gradNorm, double lr, long tokens, long rows, long samples, int skippedSamples,
                       Map<String, Double> lossMetrics, StepBatch lastBatch) {
    }

    /**
     * One optimizer step. It reads the device once ({@link org.vlmdistill.core.tensor.HostReads}): the
     * gradient norm, which clipping, the finite check and the metrics need; StepHostReadsTest counts it.
     */
    StepOutcome takeStep() throws IOException {
        int accumulation = config.gradientAccumulationSteps();
        LossContext context = new LossContext(optimizerStep, totalSteps);
        double loss = 0;
        double distil = 0;
        double lm = 0;
        double ratio = Double.NaN;
        long tokens = 0;
        long rows = 0;
        long samples = 0;
        int skipped = 0;
        int counted = 0;
        String problem = null;
        StepBatch batch = null;
        for (int micro = 0; micro < accumulation; micro++) {
            phases.mark(StepPhases.Phase.LOSS); // the previous micro-batch's loss bookkeeping (TAID's t update)
            batch = setup.nextBatch();
            cursor = batch.resume();
            microSteps++;
            tokens += batch.student().realTokens();
            samples += batch.student().size();
            for (SkippedSample k : batch.skipped()) {
                var record = setup.samples().record(k.index());
                skippedInTraining.add(new SkippedLog.Entry(new SkippedRecord(record.provenance(), record.id(), k.reason(),
                        k.detail()), optimizerStep + 1));
                skipped++;
            }
            phases.mark(StepPhases.Phase.DATA);
            MicroResult r = microStep(batch, context, 1.0 / accumulation);
            phases.mark(StepPhases.Phase.BACKWARD); // the micro-batch's arrays released (NDScope, collector)
            if (r == null) {
                continue; // no labelled token in this micro-batch
            }
            rows += r.result().rows();
            ratio = r.result().ratio();
            if (!Double.isFinite(r.result().total())) {
                problem = problem != null ? problem : "loss " + r.result().total() + " on micro-batch " + micro;
                continue;
            }
            loss += r.result().total();
            distil += r.result().distil();
            lm += r.result().lm();
            counted++;
            if (setup.loss().loss().needsTeacher() && Double.isFinite(r.result().distil())) {
                setup.loss().loss().afterMicroBatch(r.result().distil(), context);
            }
        }
        tokensSeen += tokens;
        if (skipped > 0) {
            writeSkipped();
        }
        double lr = config.optimizer().lr().at(optimizerStep, totalSteps);
        double gradNorm = Double.NaN;
        if (problem == null && counted > 0) {
            gradNorm = optimizer.clipGradNorm();
            if (!Double.isFinite(gradNorm)) {
                problem = "gradient norm " + gradNorm;
            }
        }
        optimizerStep++;
        Map<String, Double> lossMetrics = setup.loss().loss().metrics();
        if (problem != null) {
            optimizer.zeroGrad();
            phases.mark(StepPhases.Phase.OPTIMIZER);
            badInRow++;
            skippedSteps++;
            return new StepOutcome(false, problem, Double.NaN, Double.NaN, Double.NaN, ratio, gradNorm, lr, tokens, rows,
                    samples, skipped, lossMetrics, batch);
        }
        badInRow = 0;
        if (counted > 0) {
            optimizer.step(lr);
        }
        phases.mark(StepPhases.Phase.OPTIMIZER);
        double n = Math.max(1, counted);
        return new StepOutcome(true, null, loss / n, distil / n, lm / n, ratio, gradNorm, lr, tokens, rows,
                samples, skipped, lossMetrics, batch);
    }

    private record MicroResult(LossResult result) {
    }

    /** One micro-batch: forward, loss, backward of {@code scale * loss}; null when it has no labelled token. */
    private MicroResult microStep(StepBatch batch, LossContext context, double scale) {
        Model student = setup.student();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            AlignedRows rows = StreamAlignment.align(batch);
            phases.mark(StepPhases.Phase.ALIGN);
            if (rows.size() == 0) {
                return null;
            }
            NDManager manager = student.parameters().list().getFirst().array().getManager();
            ChunkedLoss loss = setup.loss();
            boolean wantsTeacher = loss.loss().needsTeacher()
                    && setup.distilRatio().at(context.optimizerStep(), context.totalSteps()) > 0;
            // the teacher runs before the collector opens, so nothing of it is recorded
            TeacherLogits teacher = wantsTeacher
                    ? setup.teacher().orElseThrow().forStep(batch, rows, setup.vocab(), manager) : null;
            phases.mark(StepPhases.Phase.TEACHER_FORWARD);
            try (GradientCollector _ = Engine.getEngine("PyTorch").newGradientCollector()) { // grad mode on
                NDArray rowsHidden = BatchForward.lastHiddenAt(student, batch.student(), rows.studentIndex(), manager);
                phases.mark(StepPhases.Phase.STUDENT_FORWARD);
                LossResult result = loss.compute(new StudentRows.Hidden(rowsHidden,
                        BatchForward.decoder(student).lmHeadWeight()), teacher, rows.labels(), setup.vocab(), context);
                phases.mark(StepPhases.Phase.LOSS);
                if (result.backward() != null && Double.isFinite(result.total())) {
                    result.backward().run(scale);
                    // the checkpointed layers, recomputed (a text-only student has none)
                    BatchForward.activationCheckpoints(student).ifPresent(ActivationCheckpoints::backward);
                }
                return new MicroResult(result);
            }
        } finally {
            // a micro-step that ended without its backward
            BatchForward.activationCheckpoints(student).ifPresent(ActivationCheckpoints::discard);
        }
    }

    private ObjectNode metricsLine(StepOutcome o, double seconds) {
        ObjectNode line = JSON.createObjectNode();
        line.put("step", optimizerStep);
        line.put("epoch", cursor.epoch());
        MetricsLog.put(line, "loss", o.loss());
        if (setup.loss().loss().needsTeacher()) {
            MetricsLog.put(line, "distil", o.distil());
        }
        MetricsLog.put(line, "lm", o.lm());
        MetricsLog.put(line, "distil_ratio", o.ratio());
        MetricsLog.put(line, "lr", o.lr());
        MetricsLog.put(line, "grad_norm", o.gradNorm());
        o.lossMetrics().forEach((k, v) -> MetricsLog.put(line, k, v));
        line.put("tokens", o.tokens());
        line.put("loss_rows", o.rows());
        line.put("samples", o.samples());
        line.put("skipped_samples", o.skippedSamples());
        line.put("skipped_samples_total", skippedRecords());
        MetricsLog.put(line, "tokens_per_s", o.tokens() / Math.max(seconds, 1e-9));
        MetricsLog.put(line, "step_seconds", seconds);
        phases.write(line.putObject("phase_seconds"));
        line.put("skipped", !o.applied());
        return line;
    }

    private String progressText(StepOutcome o, double seconds) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", o.loss()));
        Double t = o.lossMetrics().get("t");
        if (t != null) {
            s.append(String.format(Locale.ROOT, " t %.4f", t));
        }
        s.append(String.format(Locale.ROOT, " lr %.2e %.0f tok/s", o.lr(), o.tokens() / Math.max(seconds, 1e-9)));
        return s.toString();
    }

    private void writeResolvedConfig() throws IOException {
        AtomicFiles.write(config.output().resolve("config.json"),
                (JSON.writeValueAsString(config.toJson()) + "\n").getBytes(StandardCharsets.UTF_8),
                AtomicFiles.Durability.SYNC);
    }

    private Path saveCheckpoint() throws IOException {
        Optional<String> bad = optimizer.nonFiniteParameter();
        if (bad.isPresent()) {
            throw TrainingDivergedException.nonFiniteWeights(optimizerStep, bad.get(), checkpoints.newest().orElse(null));
        }
        return checkpoints.save(optimizerStep, config.checkpoint().keep(), dir -> {
            ModelWriter.save(setup.student(), dir.resolve(Checkpoints.MODEL));
            optimizer.save(dir.resolve(Checkpoints.OPTIMIZER));
            AtomicFiles.write(dir.resolve(Checkpoints.RUN_CONFIG),
                    (JSON.writeValueAsString(config.toJson()) + "\n").getBytes(StandardCharsets.UTF_8),
                    AtomicFiles.Durability.SYNC);
            AtomicFiles.write(dir.resolve(Checkpoints.TRAINER_STATE),
                    (JSON.writeValueAsString(stateJson()) + "\n").getBytes(StandardCharsets.UTF_8),
                    AtomicFiles.Durability.SYNC);
        });
    }

    private ObjectNode stateJson() {
        ObjectNode s = JSON.createObjectNode();
        s.put("format", STATE_FORMAT);
        s.put("optimizer_step", optimizerStep);
        s.put("total_steps", totalSteps);
        s.put("micro_steps", microSteps);
        s.put("tokens_seen", tokensSeen);
        s.put("bad_steps_in_row", badInRow);
        s.put("skipped_steps", skippedSteps);
        // the check before the first step, so that a resumed run leaves out the same records without
        // checking again (an image broken since then is a skip of its batch's step, as in this run)
        var leftOut = s.putArray("left_out_before_training");
        int[] indices = setup.unusable().indices();
        for (int k = 0; k < indices.length; k++) {
            leftOut.add(SkippedLog.toJson(new SkippedLog.Entry(setup.unusable().records().get(k), 0))
                    .put("index", indices[k]));
        }
        var skips = s.putArray("skipped_in_training");
        skippedInTraining.forEach(e -> skips.add(SkippedLog.toJson(e)));
        s.put("elapsed_seconds", elapsedSeconds);
        s.put("seed", config.seed());
        s.set("cursor", JSON.valueToTree(cursor));
        // the loop draws no random numbers of its own: the data order is a function of (seed, epoch),
        // which the cursor carries; nothing else needs an RNG state to resume exactly
        s.putObject("rng").put("data_order_seed", cursor.seed());
        ObjectNode lossState = s.putObject("loss_state");
        setup.loss().loss().state().forEach((k, v) -> MetricsLog.put(lossState, k, v));
        ObjectNode lossParams = s.putObject("loss_parameters");
        for (Parameter p : setup.loss().loss().parameters()) {
            var arr = lossParams.putArray(p.name());
            for (float f : HostReads.floats(p.array(), "loss parameters for a checkpoint")) {
                arr.add(f);
            }
        }
        return s;
    }

    private void restore(Path checkpoint) throws IOException {
        loadWeights(checkpoint.resolve(Checkpoints.MODEL));
        JsonNode s = JSON.readTree(checkpoint.resolve(Checkpoints.TRAINER_STATE).toFile());
        if (s.path("format").asInt() != STATE_FORMAT) {
            throw new IOException(checkpoint.resolve(Checkpoints.TRAINER_STATE) + ": format " + s.path("format")
                    + ", this version reads " + STATE_FORMAT);
        }
        optimizerStep = s.path("optimizer_step").asLong();
        microSteps = s.path("micro_steps").asLong();
        tokensSeen = s.path("tokens_seen").asLong();
        badInRow = s.path("bad_steps_in_row").asInt();
        skippedSteps = s.path("skipped_steps").asLong();
        skippedInTraining.clear();
        s.path("skipped_in_training").forEach(n -> skippedInTraining.add(SkippedLog.fromJson(n)));
        elapsedSeconds = s.path("elapsed_seconds").asDouble();
        cursor = JSON.treeToValue(s.get("cursor"), Cursor.class);
        Map<String, Double> lossState = new LinkedHashMap<>();
        s.path("loss_state").fields().forEachRemaining(e -> lossState.put(e.getKey(),
                e.getValue().isNumber() ? e.getValue().asDouble() : Double.parseDouble(e.getValue().asText())));
        setup.loss().loss().restore(lossState);
        for (Parameter p : setup.loss().loss().parameters()) {
            JsonNode values = s.path("loss_parameters").path(p.name());
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) values.get(i).asDouble();
            }
            p.array().set(v);
        }
        optimizer.load(checkpoint.resolve(Checkpoints.OPTIMIZER));
        if (optimizer.steps() != optimizerStep) {
            throw new IOException(checkpoint + ": the optimizer took " + optimizer.steps() + " steps, the trainer state "
                    + "says " + optimizerStep);
        }
        setup.seek(cursor);
        log.printf("resumed from %s: step %d of %d%n", checkpoint, optimizerStep, totalSteps);
    }

    /** Every student parameter from the checkpoint's weights, in place, in the parameter's dtype. */
    private void loadWeights(Path modelDir) throws IOException {
        TorchOps ops = setup.policy().ops();
        TensorLoader loader = new TensorLoader(ops);
        List<Parameter> params = setup.student().parameters().list();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(modelDir)) {
            if (c.names().size() != params.size()) {
                throw new IOException(modelDir + ": " + c.names().size() + " tensors, the student has " + params.size()
                        + " parameters");
            }
            for (Parameter p : params) {
                if (!c.contains(p.name())) {
                    throw new IOException(modelDir + ": no tensor " + p.name());
                }
                NDArray target = p.array();
                try (NDManager scratch = target.getManager().newSubManager()) {
                    NDArray loaded = loader.load(scratch, c, p.name(), ops.dtypeOf(target));
                    if (!loaded.getShape().equals(target.getShape())) {
                        throw new IOException(modelDir + ": " + p.name() + " has shape " + loaded.getShape()
                                + ", the parameter " + target.getShape());
                    }
                    target.subi(target).addi(loaded);
                }
            }
        }
    }

    /** The records a checkpoint's run left out before its first step; empty for a checkpoint without the list. */
    private static Optional<PairedSamples.Unusable> leftOut(Path checkpoint) throws IOException {
        JsonNode list = JSON.readTree(checkpoint.resolve(Checkpoints.TRAINER_STATE).toFile()).get("left_out_before_training");
        if (list == null || !list.isArray()) {
            return Optional.empty();
        }
        int[] indices = new int[list.size()];
        List<SkippedRecord> records = new ArrayList<>(list.size());
        for (int k = 0; k < indices.length; k++) {
            indices[k] = list.get(k).path("index").asInt();
            records.add(SkippedLog.fromJson(list.get(k)).record());
        }
        return Optional.of(new PairedSamples.Unusable(indices, records));
    }

    /** A checkpoint of another run is refused: the fields that matter must match. */
    private static void requireSameRun(RunConfig config, Path checkpoint) throws IOException {
        JsonNode saved = JSON.readTree(checkpoint.resolve(Checkpoints.RUN_CONFIG).toFile());
        JsonNode now = JSON.readTree(JSON.writeValueAsString(config.toJson())); // the same number types as read back
        List<String> differ = new ArrayList<>();
        for (String field : List.of("data", "seed", "batch_size", "gradient_accumulation_steps", "max_tokens", "loss",
                "optimizer", "freeze", "epochs", "max_steps")) {
            if (!saved.path(field).equals(now.path(field))) {
                differ.add(field);
            }
        }
        if (!differ.isEmpty()) {
            throw new IllegalStateException(checkpoint + " belongs to a run with other " + String.join(", ", differ)
                    + "; a resumed run must be the same run (use another output for a new one)");
        }
    }

    /** The model the run trains, e.g. to save or evaluate after {@link #run}. */
    public Model student() {
        return setup.student();
    }

    @Override
    public void close() {
        try {
            optimizer.close();
            setup.close();
        } finally {
            try {
                outputLock.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(config.output() + ": releasing the run's lock", e);
            }
        }
    }

    /** Records skipped so far: before training (reading, the check of every record) and by its batches. */
    long skippedRecords() {
        return setup.samples().readStats().skipped() + skippedInTraining.size();
    }

    /** {@code skipped.jsonl}: the records skipped before training, then those its batches left out so far. */
    private void writeSkipped() throws IOException {
        List<SkippedLog.Entry> entries = new ArrayList<>(SkippedLog.beforeStart(setup.samples().readStats()));
        entries.addAll(skippedInTraining);
        SkippedLog.write(config.output().resolve(SkippedLog.FILE), entries, skippedRecords());
    }

    /**
     * What a finished run did.
     *
     * @param samples        the usable samples of the data (those of one epoch)
     * @param skippedRecords records left out: before training, and by its batches
     * @param skipped        skipped.jsonl, naming each of them
     */
    public record RunSummary(long steps, long tokens, long skippedSteps, long samples, long skippedRecords,
                             double seconds, Path lastCheckpoint, Path metrics, Path skipped) {
    }

    static Pattern glob(String pattern) {
        StringBuilder r = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> r.append(".*");
                case '?' -> r.append('.');
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(r.toString());
    }
}
