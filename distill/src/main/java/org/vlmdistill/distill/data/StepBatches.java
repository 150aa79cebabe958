package org.vlmdistill.distill.data;

import org.vlmdistill.core.config.GenerationConfig;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.BatchPlan;
import org.vlmdistill.datasets.batch.Collator;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.batch.PlannedBatches;
import org.vlmdistill.datasets.batch.Prefetch;
import org.vlmdistill.datasets.batch.SampleBuildException;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.sample.ModelSamples;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A run's micro-batches for both models, in plan order, from a cursor to the end of its last epoch:
 * datasets' {@link PlannedBatches} (the rules of its {@code BatchLoader}: plan order however the
 * worker's timing falls, skips listed and the rest of the batch kept, a failure naming the sample and
 * repeated on every later {@code next()}, exact resume from {@link StepBatch#resume()}), with each
 * step's samples collated twice, once per model, each with its own pad id.
 */
public final class StepBatches implements Iterator<StepBatch>, AutoCloseable {
    private final PlannedBatches<PairedSample, StepBatch> batches;

    private StepBatches(PlannedBatches<PairedSample, StepBatch> batches) {
        this.batches = batches;
    }

    /**
     * Batches from {@code from} ({@link BatchPlan#start()} for a new run) to the end of epoch {@code epochs - 1}.
     *
     * @param teacher the teacher's collator; null exactly when {@code source} has no teacher
     * @param ahead   batches built ahead on one worker thread, 0 (on the caller's thread) to 2
     * @throws IllegalArgumentException if the source and plan differ in size, the cursor is another run's,
     *                                  or the collators do not match the source
     */
    public static StepBatches open(PairedSamples source, BatchPlan plan, Collator student, Collator teacher,
                                   Cursor from, int epochs, int ahead) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(student, "student");
        if ((teacher != null) != source.hasTeacher()) {
            throw new IllegalArgumentException(source.hasTeacher() ? "the source has a teacher side but no teacher collator"
                    : "a teacher collator for a source without a teacher side");
        }
        if (ahead < 0 || ahead > 2) {
            throw new IllegalArgumentException("ahead " + ahead + " (need 0 <= ahead <= 2)");
        }
        Prefetch prefetch = ahead == 0 ? Prefetch.none()
                : Prefetch.of(1, ahead).withThreadFactory(Thread.ofPlatform().name("step-batches").daemon(true).factory());
        PlannedBatches.Assembler<PairedSample, StepBatch> pair = (epoch, step, samples, skipped, resume) -> {
            List<TokenizedSample<PixelValues>> students = new ArrayList<>(samples.size());
            List<TokenizedSample<PixelValues>> teachers = new ArrayList<>(samples.size());
            for (PairedSample s : samples) {
                students.add(s.student());
                if (teacher != null) {
                    teachers.add(s.teacher());
                }
            }
            return new StepBatch(epoch, step, student.collate(students),
                    teacher == null ? null : teacher.collate(teachers), skipped, resume);
        };
        return new StepBatches(PlannedBatches.open(source, plan, pair, prefetch, from, epochs));
    }

    /**
     * Right padding with the model's pad id ({@link ModelSamples#padId}, falling back to
     * generation_config.json's, then config.json's {@code pad_token_id}).
     */
    public static Collator collator(ModelSamples samples, ModelDirectory model) {
        OptionalInt fallback = model.generation().map(GenerationConfig::padTokenId).filter(OptionalInt::isPresent)
                .orElse(OptionalInt.empty());
        if (fallback.isEmpty() && model.config() instanceof org.vlmdistill.core.config.VisionLanguageConfig v) {
            fallback = v.textConfig().padTokenId();
        } else if (fallback.isEmpty() && model.config() instanceof org.vlmdistill.core.config.TextConfig t) {
            fallback = t.padTokenId();
        }
        return Collator.rightPadding(samples.padId(fallback));
    }

    @Override
    public boolean hasNext() {
        return batches.hasNext();
    }

    /** @throws SampleBuildException naming the sample that failed to build */
    @Override
    public StepBatch next() {
        return batches.next();
    }

    /** Where a run restored now would begin: after the last delivered batch. */
    public Cursor cursor() {
        return batches.cursor();
    }

    public BatchPlan plan() {
        return batches.plan();
    }

    @Override
    public void close() {
        batches.close();
    }
}
