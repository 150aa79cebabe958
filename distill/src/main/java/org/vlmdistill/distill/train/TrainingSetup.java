package org.vlmdistill.distill.train;

import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.datasets.batch.BatchPlan;
import org.vlmdistill.datasets.batch.BatchingConfig;
import org.vlmdistill.datasets.batch.Collator;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.datasets.tokenizer.VocabularyAlignment;
import org.vlmdistill.distill.data.BatchForward;
import org.vlmdistill.distill.data.PairedSamples;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.data.StepBatches;
import org.vlmdistill.distill.loss.ChunkedLoss;
import org.vlmdistill.distill.loss.DistillationLoss;
import org.vlmdistill.distill.schedule.Schedule;
import org.vlmdistill.distill.teacher.CachedTeacher;
import org.vlmdistill.distill.teacher.OnlineTeacher;
import org.vlmdistill.distill.teacher.TeacherSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything a run needs before its first step, opened and checked: the compute policy, the student
 * (trainable parameters after {@code freeze}), the teacher source, the shared vocabulary, the paired
 * data and its batches, the loss. Used by the trainer and by {@code --dry-run}, which prints
 * {@link #plan()} and stops. Failing checks throw with the file or field named; the half-opened parts
 * are closed.
 */
public final class TrainingSetup implements AutoCloseable {
    private final RunConfig config;
    private final ComputePolicy policy;
    private final Model student;
    private final ModelSamples studentSamples;
    private final ModelSamples teacherSamples; // null unless the teacher runs online
    private final TeacherSource teacher; // null for SFT
    private final int vocab;
    private final List<String> vocabNotes;
    private final PairedSamples samples;
    private final PairedSamples.Unusable unusable;
    private final BatchPlan plan;
    private final Collator studentCollator;
    private final Collator teacherCollator;
    private final long totalSteps;
    private final int epochs;
    private final ChunkedLoss loss;
    private final List<Parameter> trainable;
    private final List<String> frozenSummary;
    private final Path studentDir;
    private StepBatches batches;

    private TrainingSetup(RunConfig config, Path studentDir, List<AutoCloseable> opened, PrintWriter log,
                          Optional<PairedSamples.Unusable> known) throws IOException {
        this.config = config;
        this.studentDir = studentDir;
        this.policy = ComputePolicy.of(config.compute(), "compute.");
        Model loaded = Models.load(studentDir, policy);
        opened.add(loaded);
        if (!BatchForward.trainable(loaded)) {
            throw new IllegalArgumentException("student: " + studentDir + " is a " + loaded.config().modelType()
                    + " model; distill trains vision-language models and text-only causal LMs");
        }
        this.student = loaded;
        if (config.activationCheckpointing()) {
            BatchForward.activationCheckpoints(loaded).orElseThrow(() -> new IllegalArgumentException("student: "
                    + studentDir + " is a text-only " + loaded.config().modelType() + " model; activation checkpointing "
                    + "is for vision-language students")).enabled(true);
        }
        List<String> frozen = new ArrayList<>();
        this.trainable = trainable(student, config.freeze(), frozen, config.source());
        this.frozenSummary = List.copyOf(frozen);
        SampleOptions options = SampleOptions.defaults().withMaxTokens(config.maxTokens());
        this.studentSamples = ModelSamples.open(studentDir, options);
        opened.add(studentSamples);
        this.loss = new ChunkedLoss(config.loss().create(student.parameters().list().getFirst().array().getManager()),
                config.loss().distilRatio(), config.loss().chunkSize());
        DistillationLoss l = loss.loss();
        int studentVocab = BatchForward.vocabSize(student);
        List<String> notes = new ArrayList<>();
        List<SkippedRecord> cacheSkipped = List.of();
        if (!l.needsTeacher()) {
            teacher = null;
            teacherSamples = null;
            vocab = studentVocab;
        } else if (config.teacherCache().isPresent()) {
            CachedTeacher cached = CachedTeacher.open(config.teacherCache().get());
            opened.add(cached);
            teacher = cached;
            teacherSamples = null;
            // the records the cache job left out: those that failed on the teacher's side too (this run
            // checks the student's alone), which the cache holds no rows for (a cache older than its
            // skipped.jsonl has none)
            Path cacheSkips = config.teacherCache().get().resolve(SkippedLog.FILE);
            cacheSkipped = Files.exists(cacheSkips)
                    ? SkippedLog.read(cacheSkips).stream().map(SkippedLog.Entry::record).toList() : List.of();
            int cacheVocab = cached.cache().vocabSize();
            vocab = Math.min(studentVocab, cacheVocab);
            notes.add("teacher cache vocabulary " + cacheVocab + ", student " + studentVocab);
            if (config.teacher().isPresent()) {
                VocabularyAlignment.Result r = checkVocab(studentDir, config.teacher().get());
                notes.addAll(r.warnings());
            }
        } else {
            Path teacherDir = config.teacher().orElseThrow();
            VocabularyAlignment.Result r = checkVocab(studentDir, teacherDir);
            notes.addAll(r.warnings());
            notes.add(String.format(Locale.ROOT, "tokenizers agree on all %d shared ids", r.checkedIds()));
            OnlineTeacher online = OnlineTeacher.load(teacherDir, policy);
            opened.add(online);
            teacher = online;
            vocab = r.sharedVocab();
            teacherSamples = ModelSamples.open(teacherDir, options);
            opened.add(teacherSamples);
        }
        this.vocabNotes = List.copyOf(notes);
        if (teacher != null && teacher.truncated() && !l.acceptsTruncatedTeacher()) {
            throw new IllegalArgumentException("loss '" + l.name() + "' cannot read a truncated teacher cache");
        }
        // every record built once before the first step, as a batch will build it: a record that cannot
        // become a sample is named now (skipped.jsonl), not dropped from a batch unseen
        // (a resumed run takes its first check's list, so that it trains on the same samples)
        CheckedSamples checked = checkedSamples(config, studentSamples, teacherSamples, cacheSkipped, known);
        this.unusable = checked.unusable();
        this.samples = checked.samples();
        this.plan = BatchPlan.of(BatchingConfig.of(config.batchSize(), config.seed()), samples.size());
        int perEpoch = plan.stepsPerEpoch();
        long stepsPerEpoch = Math.max(1, perEpoch / config.gradientAccumulationSteps());
        this.totalSteps = config.maxSteps() > 0 ? config.maxSteps() : config.epochs() * stepsPerEpoch;
        long microNeeded = totalSteps * config.gradientAccumulationSteps();
        this.epochs = (int) Math.max(config.epochs(), (microNeeded + perEpoch - 1) / perEpoch);
        this.studentCollator = StepBatches.collator(studentSamples, student.source());
        this.teacherCollator = teacherSamples == null ? null
                : StepBatches.collator(teacherSamples, ((OnlineTeacher) teacher).model().source());
        log.flush();
    }

    /** Opens everything, the student from the config's directory, once {@link RunInputs#check} passes. */
    public static TrainingSetup open(RunConfig config, PrintWriter log) throws IOException {
        return open(config, log, Optional.empty());
    }

    /**
     * @param known the records to leave out, as a run's check before its first step found them (a resumed
     *              run's); empty: check every record now
     * @throws UnusableDataException when no usable sample is left, or more than max_skipped_share skipped
     */
    public static TrainingSetup open(RunConfig config, PrintWriter log, Optional<PairedSamples.Unusable> known)
            throws IOException {
        RunInputs.check(config);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            return new TrainingSetup(config, config.student(), opened, log, known);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : opened.reversed()) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * The two models' tokenizers (each directory's tokenizer.json, or its SentencePiece tokenizer.model)
     * checked against each other, and their shared vocabulary.
     */
    public static VocabularyAlignment.Result checkVocab(Path studentDir, Path teacherDir) throws IOException {
        return VocabularyAlignment.check(studentDir, textVocab(studentDir), teacherDir, textVocab(teacherDir));
    }

    /** {@code vocab_size} of a model directory's text decoder. */
    public static int textVocab(Path modelDir) {
        return switch (ModelDirectory.open(modelDir).config()) {
            case VisionLanguageConfig v -> v.textConfig().vocabSize();
            case org.vlmdistill.core.config.TextConfig t -> t.vocabSize();
            case org.vlmdistill.core.config.VisionConfig v -> throw new IllegalArgumentException(modelDir
                    + " is a vision tower (" + v.modelType() + "), not a model with a vocabulary");
        };
    }

    /** Every record the readers deliver from the config's data files, for both sides ({@code teacher} null: none). */
    public static PairedSamples readSamples(RunConfig config, ModelSamples student, ModelSamples teacher)
            throws IOException {
        return PairedSamples.read(dataFiles(config), readerOptions(config), new ImageDecoder(), student, teacher);
    }

    /** The config's data entries, each expanded ({@link Readers#expand}: a directory or glob to its files), in order. */
    public static List<Path> dataFiles(RunConfig config) {
        List<Path> files = new ArrayList<>();
        config.data().forEach(d -> files.addAll(Readers.expand(d)));
        return files;
    }

    /** How a run reads its data: the defaults, with the config's image_root. */
    public static ReaderOptions readerOptions(RunConfig config) {
        return config.imageRoot().map(ReaderOptions.DEFAULTS::withImageRoot).orElse(ReaderOptions.DEFAULTS);
    }

    /**
     * The samples a run (or {@code vlmd teacher-logits}) uses: the records read, without those that cannot
     * become a sample, {@code unusable} (all of them, or {@code known}'s when given), which are counted into
     * the samples' read stats.
     */
    public record CheckedSamples(PairedSamples samples, PairedSamples.Unusable unusable) {
    }

    /**
     * Every record of the config's data built once, as a batch will build it ({@link PairedSamples#unusable}),
     * before anything is computed: the one check of {@code distill} and {@code teacher-logits}, so that both
     * leave out the same records (a cache then holds rows for exactly the samples a run on it reads).
     *
     * @param teacher the teacher side, null when no teacher runs online (its records are then checked for
     *                the student alone)
     * @param teacherSkipped records a teacher-logits cache job left out (its skipped.jsonl): a record this
     *                check keeps but the cache's left out (it failed on the teacher's side, which a run on the
     *                cache does not build) is left out too, with the cache's reason, matched by id as the cache
     *                keys its rows
     * @param known   the records to leave out, as an earlier check found them (a resumed run's); empty: check
     * @throws UnusableDataException when no usable sample is left, or more than max_skipped_share skipped
     */
    public static CheckedSamples checkedSamples(RunConfig config, ModelSamples student, ModelSamples teacher,
                                                List<SkippedRecord> teacherSkipped,
                                                Optional<PairedSamples.Unusable> known) throws IOException {
        PairedSamples read = readSamples(config, student, teacher);
        PairedSamples.Unusable unusable = known.isPresent() ? known.get()
                : alsoSkipped(read, read.unusable(), teacherSkipped);
        PairedSamples samples = read.without(unusable);
        UnusableDataException e = UnusableDataException.check(config.data(), samples.size(), samples.readStats(),
                config.maxSkippedShare());
        if (e != null) {
            throw e;
        }
        return new CheckedSamples(samples, unusable);
    }

    /** {@code unusable} plus the records of {@code read} it keeps whose (escaped) id {@code skipped} names. */
    private static PairedSamples.Unusable alsoSkipped(PairedSamples read, PairedSamples.Unusable unusable,
                                                      List<SkippedRecord> skipped) {
        Map<String, SkippedRecord> byId = new HashMap<>();
        skipped.stream().filter(r -> !r.id().isEmpty()).forEach(r -> byId.putIfAbsent(r.id(), r));
        if (byId.isEmpty()) {
            return unusable;
        }
        Map<Integer, SkippedRecord> all = new TreeMap<>();
        int[] indices = unusable.indices();
        for (int k = 0; k < indices.length; k++) {
            all.put(indices[k], unusable.records().get(k));
        }
        for (int i = 0; i < read.size(); i++) {
            SkippedRecord r = byId.get(TerminalText.escape(read.idOf(i)));
            if (r != null && !all.containsKey(i)) {
                all.put(i, new SkippedRecord(read.record(i).provenance(), read.idOf(i), r.reason(),
                        "left out of the teacher cache: " + r.detail()));
            }
        }
        return new PairedSamples.Unusable(all.keySet().stream().mapToInt(Integer::intValue).toArray(),
                List.copyOf(all.values()));
    }

    /** The student's parameters minus those {@code freeze} names (components or globs); each entry must match. */
    public static List<Parameter> trainable(Model model, List<String> freeze, List<String> summary, Path source) {
        List<Parameter> all = model.parameters().list();
        boolean[] frozen = new boolean[all.size()];
        List<String> unmatched = new ArrayList<>();
        for (String entry : freeze) {
            int hits = 0;
            if (model.components().containsKey(entry)) {
                var names = model.components().get(entry).list().stream().map(Parameter::name).toList();
                for (int i = 0; i < all.size(); i++) {
                    if (names.contains(all.get(i).name())) {
                        frozen[i] = true;
                        hits++;
                    }
                }
            } else {
                Pattern p = Trainer.glob(entry);
                for (int i = 0; i < all.size(); i++) {
                    if (p.matcher(all.get(i).name()).matches()) {
                        frozen[i] = true;
                        hits++;
                    }
                }
            }
            if (hits == 0) {
                unmatched.add(entry);
            }
            summary.add(entry + " (" + hits + " tensors)");
        }
        if (!unmatched.isEmpty()) {
            throw new RunConfigException(source, List.of("freeze: " + unmatched + " match no parameter; components are "
                    + model.components().keySet() + ", names look like " + all.getFirst().name()));
        }
        List<Parameter> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (!frozen[i]) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** The run's plan, for the log and {@code --dry-run}. */
    public String plan() {
        long params = student.parameters().list().stream().mapToLong(Parameter::size).sum();
        long train = trainable.stream().mapToLong(Parameter::size).sum();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "student   %s (%s, %,d parameters, %,d trainable)%n", studentDir,
                student.config().modelType(), params, train));
        if (!frozenSummary.isEmpty()) {
            s.append("frozen    ").append(String.join(", ", frozenSummary)).append('\n');
        }
        s.append("teacher   ").append(teacher == null ? "none (" + loss.loss().name() + ")" : teacher.describe()).append('\n');
        s.append(String.format(Locale.ROOT, "vocab     %d shared%s%n", vocab,
                vocabNotes.isEmpty() ? "" : "; " + String.join("; ", vocabNotes)));
        s.append(String.format(Locale.ROOT, "data      %d samples from %s, %d records skipped%s%n",
                samples.size(), config.data(), samples.readStats().skipped(),
                UnusableDataException.describe(samples.readStats()).replace("\n", "\n          ")));
        s.append(String.format(Locale.ROOT, "batches   %d per epoch of %d, accumulation %d -> %d optimizer steps (%d epoch%s)%n",
                plan.stepsPerEpoch(), config.batchSize(), config.gradientAccumulationSteps(), totalSteps, epochs,
                epochs == 1 ? "" : "s"));
        s.append(lossAndOptimizer(config));
        s.append(String.format(Locale.ROOT, "compute   %s%n", policy.describe()));
        s.append(String.format(Locale.ROOT, "output    %s (checkpoint every %s, keep %d)",
                config.output(), config.checkpoint().every() == 0 ? "run's end" : config.checkpoint().every() + " steps",
                config.checkpoint().keep()));
        return s.toString();
    }

    /** The plan's loss and optimizer lines, from the config alone. */
    public static String lossAndOptimizer(RunConfig config) {
        return "loss      " + config.loss().toJson() + '\n' + "lr        " + config.optimizer().lr().describe()
                + String.format(Locale.ROOT, ", AdamW betas (%g, %g), eps %g, weight decay %g, clip %g%n",
                config.optimizer().beta1(), config.optimizer().beta2(), config.optimizer().eps(),
                config.optimizer().weightDecay(), config.optimizer().maxGradNorm());
    }

    /** The run's next micro-batch: from the start, or from wherever {@link #seek} put the batches. */
    public StepBatch nextBatch() {
        if (batches == null) {
            seek(plan.start());
        }
        return batches.next();
    }

    /** A new run's data cursor. */
    public Cursor start() {
        return plan.start();
    }

    /** The batches from {@code cursor} on (a resumed run's). */
    public void seek(Cursor cursor) {
        if (batches != null) {
            batches.close();
        }
        batches = StepBatches.open(samples, plan, studentCollator, teacherCollator, cursor, epochs,
                Math.min(2, config.prefetch()));
    }

    public ComputePolicy policy() {
        return policy;
    }

    /** A {@link VisionLanguageModel} or a text-only {@link org.vlmdistill.core.model.CausalLanguageModel}. */
    public Model student() {
        return student;
    }

    public Optional<TeacherSource> teacher() {
        return Optional.ofNullable(teacher);
    }

    /** The online teacher's parameter count; 0 for a cache or none. */
    public long teacherParameters() {
        return teacher instanceof OnlineTeacher online ? online.model().parameters().elements() : 0;
    }

    public int vocab() {
        return vocab;
    }

    public ChunkedLoss loss() {
        return loss;
    }

    public Schedule distilRatio() {
        return config.loss().distilRatio();
    }

    public List<Parameter> trainable() {
        return trainable;
    }

    /**
     * Reads whole what a run reads piecemeal, for {@code --dry-run}: every shard of a teacher cache
     * against its CRC32, so that a corrupted shard fails the check rather than the run.
     */
    public void verifyInputs() throws IOException {
        if (teacher instanceof CachedTeacher cached) {
            cached.cache().verify();
        }
    }

    public long totalSteps() {
        return totalSteps;
    }

    /** The usable samples: the records read without {@link #unusable()}'s. */
    public PairedSamples samples() {
        return samples;
    }

    /** The records read that the check before the first step left out. */
    public PairedSamples.Unusable unusable() {
        return unusable;
    }

    @Override
    public void close() {
        if (batches != null) {
            batches.close();
        }
        if (teacher != null) {
            teacher.close();
        }
        if (teacherSamples != null) {
            teacherSamples.close();
        }
        studentSamples.close();
        student.close();
    }
}
