package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.io.DirectoryLock;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.datasets.batch.BatchPlan;
import org.vlmdistill.datasets.batch.BatchingConfig;
import org.vlmdistill.datasets.batch.SkippedSample;
import org.vlmdistill.datasets.read.ReadStats;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.align.StreamAlignment;
import org.vlmdistill.datasets.tokenizer.VocabularyAlignment;
import org.vlmdistill.distill.data.PairedSamples;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.data.StepBatches;
import org.vlmdistill.distill.loss.TeacherLogits;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.RunConfigException;
import org.vlmdistill.distill.train.RunInputs;
import org.vlmdistill.distill.train.SkippedLog;
import org.vlmdistill.distill.train.TrainingSetup;
import org.vlmdistill.distill.train.UnusableDataException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * {@code vlmd teacher-logits}: the teacher runs once over a run config's data, in file order, and
 * every loss row of every sample (student text positions whose next token carries a label, matched
 * to the teacher's stream exactly as in training) is stored top-p-then-top-k truncated in a
 * {@link TeacherCacheWriter} cache. A run with {@code teacher_cache} then reads it instead of running
 * the teacher. The stored vocabulary is the shared one, so the cache fits the student it was made for.
 */
public final class TeacherLogitsJob {
    private TeacherLogitsJob() {
    }

    /**
     * Locks {@code out} for the job's life ({@link DirectoryLock}).
     *
     * @param progressFor makes the progress display for the number of batches the job will take
     */
    public static Result run(RunConfig config, Path out, TopKTruncation truncation,
                             LongFunction<Progress> progressFor)
            throws IOException {
        // the run config's paths as distill checks them, before anything loads: a missing data file or
        // model directory is named as its field (exit 2), not found by a loader half-way
        RunInputs.check(config);
        Path teacherDir = config.teacher().orElseThrow(() -> new RunConfigException(config.source(),
                List.of("teacher: required to write teacher logits")));
        // held from before the models load until the index is written: a second job into the same
        // directory would delete this one's shards as leftovers (TeacherCacheWriter.open)
        try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd teacher-logits")) {
            return run(config, teacherDir, out, truncation, progressFor, lock);
        }
    }

    /**
     * What the job wrote: the cache, and the records of the data it left out.
     *
     * @param samples the usable samples, each cached (the records read without the skipped ones)
     * @param data    what reading and the check before the first batch skipped, counted by reason
     * @param skipped the cache directory's {@code skipped.jsonl}, naming each skipped record
     */
    public record Result(CacheSummary cache, long samples, ReadStats data, Path skipped) {
    }

    private static Result run(RunConfig config, Path teacherDir, Path out, TopKTruncation truncation,
                              LongFunction<Progress> progressFor, DirectoryLock lock) throws IOException {
        ComputePolicy policy = ComputePolicy.of(config.compute());
        ModelDirectory studentDir = ModelDirectory.open(config.student());
        VocabularyAlignment.Result vocab = TrainingSetup.checkVocab(config.student(), teacherDir);
        SampleOptions options = SampleOptions.defaults().withMaxTokens(config.maxTokens());
        Path skippedFile = out.resolve(SkippedLog.FILE);
        try (ModelSamples student = ModelSamples.open(config.student(), options);
             ModelSamples teacherSamples = ModelSamples.open(teacherDir, options)) {
            // every record built once before the teacher loads, by distill's own check: the same records are
            // left out (and named in skipped.jsonl), and the same limits stop the job (exit 2) before a shard
            // is written, so that a run on this cache finds rows for each sample its check keeps
            PairedSamples samples;
            try {
                samples = TrainingSetup.checkedSamples(config, student, teacherSamples, List.of(), Optional.empty()).samples();
            } catch (UnusableDataException e) {
                throw e.recordedIn(skippedFile);
            }
            SkippedLog.write(skippedFile, SkippedLog.beforeStart(samples.readStats()), samples.readStats().skipped());
            try (OnlineTeacher teacher = OnlineTeacher.load(teacherDir, policy)) {
                CacheSummary cache = write(config, out, truncation, progressFor, lock, vocab, studentDir, student,
                        teacherSamples, teacher, samples);
                return new Result(cache, samples.size(), samples.readStats(), skippedFile);
            }
        }
    }

    private static CacheSummary write(RunConfig config, Path out, TopKTruncation truncation,
                                      LongFunction<Progress> progressFor, DirectoryLock lock,
                                      VocabularyAlignment.Result vocab, ModelDirectory studentDir, ModelSamples student,
                                      ModelSamples teacherSamples, OnlineTeacher teacher, PairedSamples samples)
            throws IOException {
        CacheMeta meta = meta(config, teacher, vocab, truncation);
        Progress progress = progressFor.apply(batchPlan(config, samples).stepsPerEpoch());
        lock.tookOverNote().ifPresent(progress::note);
        try (TeacherCacheWriter writer = TeacherCacheWriter.open(out, meta)) {
            writeSamples(config, writer, progress, vocab, studentDir, student, teacherSamples, teacher, samples);
            return writer.finish();
        } finally {
            progress.close();
        }
    }

    /** The index's provenance: the teacher as it describes itself, the data and whose template. */
    private static CacheMeta meta(RunConfig config, OnlineTeacher teacher, VocabularyAlignment.Result vocab,
                                  TopKTruncation truncation) {
        return CacheMeta.of(teacher.describe(), String.join(", ", config.data()) + " (template of "
                + config.student() + ")", vocab.sharedVocab(), truncation);
    }

    /** File order, every sample once: the cache is keyed by sample id, so order is only for locality. */
    private static BatchPlan batchPlan(RunConfig config, PairedSamples samples) {
        return BatchPlan.of(BatchingConfig.of(config.batchSize(), config.seed()).withShuffle(false), samples.size());
    }

    /** Every sample's loss rows through the teacher into {@code writer}, batch by batch ({@link #batchPlan}). */
    private static void writeSamples(RunConfig config, TeacherCacheWriter writer, Progress progress,
                                     VocabularyAlignment.Result vocab, ModelDirectory studentDir, ModelSamples student,
                                     ModelSamples teacherSamples, OnlineTeacher teacher, PairedSamples samples)
            throws IOException {
        BatchPlan plan = batchPlan(config, samples);
        NDManager manager = teacher.model().parameters().list().getFirst().array().getManager();
        try (StepBatches batches = StepBatches.open(samples, plan, StepBatches.collator(student, studentDir),
                StepBatches.collator(teacherSamples, teacher.model().source()), plan.start(), 1,
                Math.min(2, config.prefetch()))) {
            long step = 0;
            while (batches.hasNext()) {
                StepBatch batch = batches.next();
                if (!batch.skipped().isEmpty()) {
                    // built before the first batch, failing now: the data changed under the job, and a cache
                    // without this sample would fail the run that reads it; stop rather than drop it
                    SkippedSample k = batch.skipped().getFirst();
                    throw new IllegalStateException("record " + samples.record(k.index()).provenance() + " (id "
                            + k.sampleId() + ") passed the check before the first batch but now fails: "
                            + k.reason().label() + ": " + k.detail() + "; did the data change while the job ran?");
                }
                AlignedRows rows = StreamAlignment.align(batch);
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    TeacherLogits logits = rows.size() == 0 ? null
                            : teacher.forStep(batch, rows, vocab.sharedVocab(), manager);
                    int r = 0;
                    for (int b = 0; b < batch.student().size(); b++) {
                        int from = r;
                        while (r < rows.size() && rows.batchRow()[r] == b) {
                            r++;
                        }
                        if (r > from) {
                            NDArray block = logits.rows(from, r);
                            writer.add(rows.sampleIds().get(b), Arrays.copyOfRange(rows.textIndex(), from, r), block);
                        }
                    }
                    if (r != rows.size()) {
                        throw new IllegalStateException("aligned rows are not grouped by batch row");
                    }
                }
                progress.update(++step, String.format(Locale.ROOT, "%d samples", batch.student().size()));
            }
        }
    }

    // ---- the same job split into partitions (CacheParts), for a distributed engine ---------------------

    /**
     * A partitioned job's plan, made where the job is driven: the data's records as read (text and image
     * paths only: no model is opened, no image decoded) and their split into {@code partitions} ranges.
     *
     * @param records the records read; every partition reads the data again and checks it sees as many
     * @param read    what reading skipped (malformed records), to be named in skipped.jsonl before the
     *                partitions' own skips
     */
    public record PartPlan(List<CacheParts.Range> ranges, int records, ReadStats read) {
        public PartPlan {
            ranges = List.copyOf(ranges);
        }
    }

    /** Reads the config's data and splits it ({@link CacheParts#ranges}: batch-aligned contiguous ranges). */
    public static PartPlan plan(RunConfig config, int partitions) throws IOException {
        int records = 0;
        ReadStats stats;
        try (RecordReader reader = Readers.open(TrainingSetup.dataFiles(config), TrainingSetup.readerOptions(config))) {
            while (reader.next().isPresent()) {
                records++;
            }
            stats = reader.stats();
        }
        return new PartPlan(CacheParts.ranges(records, partitions, config.batchSize()), records, stats);
    }

    /**
     * One partition, where it runs (an executor): the config's paths checked on this machine
     * ({@link RunInputs#check}, naming the field and path), the data read and its range's records checked as
     * distill checks them ({@link PairedSamples#unusable}), the teacher loaded, every usable sample's rows
     * written to the partition's shard as {@link #run} writes them, then its manifest. Nothing is locked:
     * the driver holds the directory; two attempts at one partition write the same bytes.
     *
     * @param records     how many records the driver read ({@link PartPlan#records()}): the data must not differ
     * @param progressFor the progress display for the partition's number of batches
     */
    public static CacheParts.Manifest writePart(RunConfig config, Path out, TopKTruncation truncation,
                                                CacheParts.Range range, int records,
                                                LongFunction<Progress> progressFor) throws IOException {
        RunInputs.check(config);
        Path teacherDir = config.teacher().orElseThrow(() -> new RunConfigException(config.source(),
                List.of("teacher: required to write teacher logits")));
        ComputePolicy policy = ComputePolicy.of(config.compute());
        ModelDirectory studentDir = ModelDirectory.open(config.student());
        VocabularyAlignment.Result vocab = TrainingSetup.checkVocab(config.student(), teacherDir);
        SampleOptions options = SampleOptions.defaults().withMaxTokens(config.maxTokens());
        try (ModelSamples student = ModelSamples.open(config.student(), options);
             ModelSamples teacherSamples = ModelSamples.open(teacherDir, options)) {
            PairedSamples read = TrainingSetup.readSamples(config, student, teacherSamples);
            if (read.size() != records) {
                throw new IllegalStateException("partition " + range.index() + ": " + config.data() + " holds "
                        + read.size() + " records here, " + records + " where the job was planned: the data "
                        + "changed, or the machines see different files");
            }
            PairedSamples part = read.range(range.from(), range.to());
            PairedSamples.Unusable unusable = part.unusable();
            PairedSamples samples = part.without(unusable);
            try (OnlineTeacher teacher = OnlineTeacher.load(teacherDir, policy)) {
                CacheMeta meta = meta(config, teacher, vocab, truncation);
                Progress progress = progressFor.apply(batchPlan(config, samples).stepsPerEpoch());
                try (TeacherCacheWriter writer = TeacherCacheWriter.openPart(out, meta, range.index())) {
                    writeSamples(config, writer, progress, vocab, studentDir, student, teacherSamples, teacher, samples);
                    return CacheParts.writeManifest(out, range, meta, writer.finishPart(), unusable.records());
                } finally {
                    progress.close();
                }
            }
        }
    }

    /**
     * The driver's last step once every partition is complete: skipped.jsonl (what reading skipped, then
     * each partition's skips in record order: the single-machine job's file), distill's limits
     * ({@code max_skipped_share}, no usable sample), and, when they pass, the index over every partition's
     * shard ({@link CacheParts#merge}). Unlike the single-machine job, which checks every record before its
     * first batch, the limits are applied here, after the teacher ran: a failing check leaves no index.
     *
     * @param parts every partition's manifest, in partition order
     * @throws UnusableDataException when the limits stop the job (skipped.jsonl is written first)
     */
    public static Result merge(RunConfig config, Path out, PartPlan plan, List<CacheParts.Manifest> parts)
            throws IOException {
        if (parts.size() != plan.ranges().size()) {
            throw new IllegalArgumentException(parts.size() + " partitions complete of " + plan.ranges().size());
        }
        // a fresh copy of the reader's report: merging twice must not count the partitions' skips twice
        ReadStats stats = new ReadStats(TrainingSetup.readerOptions(config).maxSkipsKept());
        plan.read().skippedRecords().forEach(stats::skip);
        long usable = 0;
        for (int p = 0; p < parts.size(); p++) {
            CacheParts.Manifest m = parts.get(p);
            if (!m.range().equals(plan.ranges().get(p))) {
                throw new IllegalArgumentException("partition " + p + " is " + m.range() + ", the plan's "
                        + plan.ranges().get(p));
            }
            m.skipped().forEach(stats::skip);
            usable += m.range().records() - m.skipped().size();
        }
        Path skippedFile = out.resolve(SkippedLog.FILE);
        SkippedLog.write(skippedFile, SkippedLog.beforeStart(stats), stats.skipped());
        UnusableDataException e = UnusableDataException.check(config.data(), usable, stats, config.maxSkippedShare());
        if (e != null) {
            throw e.recordedIn(skippedFile);
        }
        return new Result(CacheParts.merge(out, parts), usable, stats, skippedFile);
    }
}
