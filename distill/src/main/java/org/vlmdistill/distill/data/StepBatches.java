package org.vlmdistill.distill.data;

import org.vlmdistill.core.config.GenerationConfig;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.batch.BatchPlan;
import org.vlmdistill.datasets.batch.Collator;
import org.vlmdistill.datasets.batch.Cursor;
import org.vlmdistill.datasets.batch.SampleBuildException;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.batch.SkippedSample;
import org.vlmdistill.datasets.batch.TokenizedSample;
import org.vlmdistill.datasets.sample.ModelSamples;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A run's micro-batches for both models, in plan order, from a cursor to the end of its last epoch.
 *
 * <p>The same rules as datasets' {@link org.vlmdistill.datasets.batch.BatchLoader}, which carries one
 * tokenization where a step needs two: the k-th batch delivered is the plan's k-th after the cursor;
 * a sample whose build throws {@link SkipSampleException} is left out of both models' batches and listed
 * in {@link StepBatch#skipped()} (the plan does not change, so a resumed run skips the same samples in
 * the same places); any other failure becomes a {@link SampleBuildException} naming the sample, thrown
 * by the {@code next()} that would have delivered its batch, and every later {@code next()} throws it
 * again; {@link StepBatch#resume()} passed to {@link #open} gives exactly the batches that would have
 * followed. At most {@code ahead} batches are built ahead, on one worker thread (0: on the caller's).
 * One consumer thread; {@link #close()} from any thread.
 */
public final class StepBatches implements Iterator<StepBatch>, AutoCloseable {

    private final PairedSamples source;
    private final BatchPlan plan;
    private final Collator student;
    private final Collator teacher;
    private final int epochs;
    private final int ahead;
    private final ExecutorService worker; // null when ahead == 0
    private final Deque<Future<StepBatch>> building = new ArrayDeque<>();
    private volatile boolean closed;

    private Cursor scheduled;
    private Cursor delivered;
    private int plannedEpoch = -1;
    private List<int[]> plannedBatches;
    private RuntimeException failure;

    private StepBatches(PairedSamples source, BatchPlan plan, Collator student, Collator teacher, Cursor from,
                        int epochs, int ahead) {
        this.source = source;
        this.plan = plan;
        this.student = student;
        this.teacher = teacher;
        this.epochs = epochs;
        this.ahead = ahead;
        this.worker = ahead == 0 ? null : Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("step-batches").daemon(true).factory());
        this.scheduled = from;
        this.delivered = from;
    }

    /**
     * Batches from {@code from} ({@link BatchPlan#start()} for a new run) to the end of epoch {@code epochs - 1}.
     *
     * @param teacher the teacher's collator; null exactly when {@code source} has no teacher
     * @param ahead   batches built ahead on a worker thread, 0 to 2
     * @throws IllegalArgumentException if the source and plan differ in size, the cursor is another run's,
     *                                  or the collators do not match the source
     */
    public static StepBatches open(PairedSamples source, BatchPlan plan, Collator student, Collator teacher,
                                   Cursor from, int epochs, int ahead) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(student, "student");
        if (source.size() != plan.sampleCount()) {
            throw new IllegalArgumentException("the source has " + source.size() + " samples, the plan "
                    + plan.sampleCount());
        }
        if ((teacher != null) != source.hasTeacher()) {
            throw new IllegalArgumentException(source.hasTeacher() ? "the source has a teacher side but no teacher collator"
                    : "a teacher collator for a source without a teacher side");
        }
        if (epochs < 0 || ahead < 0 || ahead > 2) {
            throw new IllegalArgumentException("epochs " + epochs + " and ahead " + ahead
                    + " (need epochs >= 0, 0 <= ahead <= 2)");
        }
        return new StepBatches(source, plan, student, teacher, plan.restore(from), epochs, ahead);
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
        if (closed) {
            throw new IllegalStateException("step batches are closed");
        }
        return delivered.epoch() < epochs;
    }

    /** @throws SampleBuildException naming the sample that failed to build */
    @Override
    public StepBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + epochs + " epochs delivered");
        }
        if (failure != null) {
            throw failure;
        }
        StepBatch batch;
        try {
            if (worker == null) {
                batch = build(delivered.epoch(), delivered.step(), indicesAt(delivered));
            } else {
                Future<StepBatch> head;
                synchronized (building) {
                    fill();
                    head = building.peekFirst();
                }
                batch = await(head);
                synchronized (building) {
                    building.pollFirst();
                    fill();
                }
            }
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        }
        delivered = batch.resume();
        return batch;
    }

    /** Where a run restored now would begin: after the last delivered batch. */
    public Cursor cursor() {
        return delivered;
    }

    public BatchPlan plan() {
        return plan;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopWorker();
    }

    private void stopWorker() {
        synchronized (building) {
            building.forEach(f -> f.cancel(true));
            building.clear();
        }
        if (worker != null) {
            worker.shutdownNow();
        }
    }

    /** Called holding {@code building}'s lock. */
    private void fill() {
        if (closed || worker.isShutdown()) {
            throw new IllegalStateException("step batches are closed");
        }
        while (building.size() < ahead && scheduled.epoch() < epochs) {
            Cursor at = scheduled;
            int[] indices = indicesAt(at);
            building.addLast(worker.submit(() -> build(at.epoch(), at.step(), indices)));
            scheduled = plan.after(at.epoch(), at.step());
        }
    }

    private StepBatch await(Future<StepBatch> head) {
        try {
            return head.get();
        } catch (CancellationException e) {
            throw new IllegalStateException("step batches closed while waiting for epoch " + delivered.epoch()
                    + " step " + delivered.step(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for epoch " + delivered.epoch() + " step "
                    + delivered.step(), e);
        } catch (ExecutionException e) {
            stopWorker(); // the run is over; later next() calls rethrow the failure
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private int[] indicesAt(Cursor at) {
        if (at.epoch() != plannedEpoch) {
            plannedBatches = plan.epoch(at.epoch());
            plannedEpoch = at.epoch();
        }
        return plannedBatches.get(at.step());
    }

    private StepBatch build(int epoch, int step, int[] indices) {
        List<TokenizedSample<PixelValues>> students = new ArrayList<>(indices.length);
        List<TokenizedSample<PixelValues>> teachers = new ArrayList<>(indices.length);
        List<SkippedSample> skipped = new ArrayList<>();
        for (int index : indices) {
            if (closed) {
                throw new CancellationException("step batches closed");
            }
            try {
                PairedSample s = Objects.requireNonNull(source.get(index), "the source returned null");
                students.add(s.student());
                if (teacher != null) {
                    teachers.add(s.teacher());
                }
            } catch (SkipSampleException e) {
                skipped.add(new SkippedSample(index, source.idOf(index), e.reason(), e.detail()));
            } catch (IOException | RuntimeException e) {
                throw new SampleBuildException(index, source.idOf(index), epoch, step, e);
            }
        }
        return new StepBatch(epoch, step, student.collate(students), teacher == null ? null : teacher.collate(teachers),
                skipped, plan.after(epoch, step));
    }
}
