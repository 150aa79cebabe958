package org.vlmdistill.datasets.batch;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A run's batches, in plan order, from a cursor to the end of its last epoch; built ahead on worker
 * threads. Generic in what a sample is ({@code S}) and what a batch becomes ({@code B}, made by an
 * {@link Assembler} from the batch's good samples): {@link BatchLoader} pads one tokenization, a
 * distillation run pairs two.
 *
 * <ul>
 *   <li><b>Order.</b> The k-th batch delivered is the plan's k-th after the cursor, however the workers'
 *       timing falls: batches are handed out in order and their results read in order, each waiting
 *       for its own build.</li>
 *   <li><b>Memory.</b> At most {@link Prefetch#capacity()} batches are built or being built ahead of the
 *       consumer; each delivery hands one more to the workers.</li>
 *   <li><b>Skips.</b> A sample whose build throws {@link SkipSampleException} is left out of its batch
 *       and listed in the skipped list the assembler gets; the plan does not change, so a resumed run skips the
 *       same samples in the same places.</li>
 *   <li><b>Failures.</b> Any other exception from {@link SampleSource#get} becomes a
 *       {@link SampleBuildException} naming the sample, thrown by the {@link #next()} that would have
 *       delivered its batch (after every earlier batch). The loader then stops its workers and throws
 *       the same exception on every later {@code next()}.</li>
 *   <li><b>Resume.</b> The resume cursor handed to the assembler (or {@link #cursor()}) saved after a step and
 *       passed to {@link #open} gives exactly the batches that would have followed it.</li>
 *   <li><b>Threads.</b> One consumer thread calls the loader. {@link #close()} may also come from
 *       another thread (a watchdog, a shutdown hook): it interrupts the workers, waits up to
 *       {@link #CLOSE_WAIT} for them to end, and a consumer waiting in {@code next()} gets an
 *       {@link IllegalStateException}.</li>
 * </ul>
 */
public final class PlannedBatches<S, B> implements Iterator<B>, AutoCloseable {

    /** Makes one step's batch from its good samples, in plan order. */
    @FunctionalInterface
    public interface Assembler<S, B> {
        /**
         * @param skipped the step's planned samples that were skipped, in plan order
         * @param resume  the cursor a run restored after this batch starts from
         */
        B assemble(int epoch, int step, List<S> samples, List<SkippedSample> skipped, Cursor resume);
    }

    private record Built<B>(B batch, Cursor resume) {
    }

    /** How long close() waits for workers to finish the sample they are in. */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final SampleSource<S> source;
    private final BatchPlan plan;
    private final Assembler<S, B> assembler;
    private final int epochs;
    private final int capacity;
    private final ExecutorService workers; // null: batches are built on the consumer's thread
    // guarded by itself, and never held while waiting for a build, so close() from another thread
    // cannot race the consumer nor wait behind it
    private final Deque<Future<Built<B>>> ahead = new ArrayDeque<>();
    // read by workers between samples, so a close need not wait for whole batches to finish
    private volatile boolean stopping;

    private Cursor scheduled; // the next batch to hand to a worker
    private Cursor delivered; // the next batch the consumer gets
    private int plannedEpoch = -1;
    private List<int[]> plannedBatches;
    private RuntimeException failure;
    private volatile boolean closed;

    private PlannedBatches(SampleSource<S> source, BatchPlan plan, Assembler<S, B> assembler, Prefetch prefetch,
                           Cursor from, int epochs) {
        this.source = source;
        this.plan = plan;
        this.assembler = assembler;
        this.epochs = epochs;
        this.capacity = prefetch.capacity();
        this.workers = prefetch.workers() == 0 ? null
                : Executors.newFixedThreadPool(prefetch.workers(), prefetch.threadFactory());
        this.scheduled = from;
        this.delivered = from;
    }

    /**
     * Batches from {@code from} ({@link BatchPlan#start()} for a new run) to the end of epoch
     * {@code epochs - 1}.
     *
     * @throws IllegalArgumentException if the source and plan differ in size, or the cursor belongs to
     *                                  another seed or plan
     */
    public static <S, B> PlannedBatches<S, B> open(SampleSource<S> source, BatchPlan plan, Assembler<S, B> assembler,
                                                   Prefetch prefetch, Cursor from, int epochs) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(assembler, "assembler");
        Objects.requireNonNull(prefetch, "prefetch");
        if (source.size() != plan.sampleCount()) {
            throw new IllegalArgumentException("the source has " + source.size() + " samples, the plan "
                    + plan.sampleCount());
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, was " + epochs);
        }
        return new PlannedBatches<>(source, plan, assembler, prefetch, plan.restore(from), epochs);
    }

    @Override
    public boolean hasNext() {
        requireOpen();
        return delivered.epoch() < epochs;
    }

    /**
     * The next batch.
     *
     * @throws SampleBuildException naming the sample that failed to build
     */
    @Override
    public B next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + epochs + " epochs delivered");
        }
        if (failure != null) {
            throw failure;
        }
        Built<B> batch;
        if (workers == null) {
            try {
                batch = build(delivered);
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        } else {
            Future<Built<B>> head;
            synchronized (ahead) {
                fillAhead();
                head = ahead.peekFirst();
            }
            batch = await(head);
            synchronized (ahead) {
                ahead.pollFirst();
                fillAhead();
            }
        }
        delivered = batch.resume();
        return batch.batch();
    }

    /** Where a run restored now would begin: after the last delivered batch. */
    public Cursor cursor() {
        return delivered;
    }

    public BatchPlan plan() {
        return plan;
    }

    /**
     * Stops the workers: builds not begun are dropped, running ones interrupted.
     *
     * @throws IllegalStateException if a worker is still running after {@link #CLOSE_WAIT}: its
     *                               {@link SampleSource#get} ignores interrupts
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopWorkers();
        if (workers == null) {
            return;
        }
        try {
            if (!workers.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("prefetch workers still running " + CLOSE_WAIT.toSeconds()
                        + " s after close: the sample source does not stop when interrupted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the batches are closed");
        }
    }

    /**
     * Hands batches to the workers until {@code capacity} are ahead or the run's batches run out.
     * Called holding {@code ahead}'s lock.
     */
    private void fillAhead() {
        if (stopping) {
            throw new IllegalStateException("the batches are closed");
        }
        while (ahead.size() < capacity && scheduled.epoch() < epochs) {
            Cursor at = scheduled;
            int[] indices = indicesAt(at);
            ahead.addLast(workers.submit(() -> build(at.epoch(), at.step(), indices)));
            scheduled = plan.after(at.epoch(), at.step());
        }
    }

    private Built<B> await(Future<Built<B>> head) {
        try {
            return head.get();
        } catch (CancellationException e) {
            throw new IllegalStateException("the batches were closed while waiting for epoch " + delivered.epoch()
                    + " step " + delivered.step(), e);
        } catch (InterruptedException e) {
            // the batch stays at the head: a later next() delivers it, so nothing is lost
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for epoch " + delivered.epoch() + " step "
                    + delivered.step(), e);
        } catch (ExecutionException e) {
            stopWorkers();
            Throwable cause = e.getCause();
            if (cause instanceof Error error) {
                // not the sample's fault (out of memory, ...): rethrown as is, and the loader is done
                failure = new IllegalStateException("a prefetch worker died", error);
                throw error;
            }
            failure = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
            throw failure;
        }
    }

    private int[] indicesAt(Cursor at) {
        if (at.epoch() != plannedEpoch) {
            plannedBatches = plan.epoch(at.epoch());
            plannedEpoch = at.epoch();
        }
        return plannedBatches.get(at.step());
    }

    private Built<B> build(Cursor at) {
        return build(at.epoch(), at.step(), indicesAt(at));
    }

    private Built<B> build(int epoch, int step, int[] indices) {
        List<S> rows = new ArrayList<>(indices.length);
        List<SkippedSample> skipped = new ArrayList<>();
        for (int index : indices) {
            if (stopping) {
                throw new CancellationException("the batches are closed");
            }
            try {
                rows.add(Objects.requireNonNull(source.get(index), "the source returned null"));
            } catch (SkipSampleException e) {
                skipped.add(new SkippedSample(index, source.idOf(index), e.reason(), e.detail()));
            } catch (IOException | RuntimeException e) {
                throw new SampleBuildException(index, source.idOf(index), epoch, step, e);
            }
        }
        Cursor resume = plan.after(epoch, step);
        return new Built<>(assembler.assemble(epoch, step, rows, skipped, resume), resume);
    }

    private void stopWorkers() {
        stopping = true;
        synchronized (ahead) {
            for (Future<Built<B>> f : ahead) {
                f.cancel(true);
            }
            ahead.clear();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
