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
        // file order, every sample once: the cache is keyed by sample id, so order is only for locality
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(config.batchSize(), config.seed()).withShuffle(false),
                samples.size());
        CacheMeta meta = CacheMeta.of(teacher.describe(), String.join(", ", config.data()) + " (template of "
                + config.student() + ")", vocab.sharedVocab(), truncation);
        NDManager manager = teacher.model().parameters().list().getFirst().array().getManager();
        Progress progress = progressFor.apply(plan.stepsPerEpoch());
        lock.tookOverNote().ifPresent(progress::note);
        try (TeacherCacheWriter writer = TeacherCacheWriter.open(out, meta);
             StepBatches batches = StepBatches.open(samples, plan, StepBatches.collator(student, studentDir),
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
            return writer.finish();
        } finally {
            progress.close();
        }
    }
}
