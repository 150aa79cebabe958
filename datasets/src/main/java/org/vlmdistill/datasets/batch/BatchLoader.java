package org.vlmdistill.datasets.batch;

import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;

/**
 * A run's padded batches of one tokenization, in plan order, from a cursor to the end of its last
 * epoch; built ahead on worker threads by {@link PlannedBatches}, whose rules it keeps:
 *
 * <ul>
 *   <li><b>Order.</b> The k-th batch delivered is the plan's k-th after the cursor, however the workers'
 *       timing falls: batches are handed out in order and their results read in order, each waiting
 *       for its own build.</li>
 *   <li><b>Memory.</b> At most {@link Prefetch#capacity()} batches are built or being built ahead of the
 *       consumer; each delivery hands one more to the workers.</li>
 *   <li><b>Skips.</b> A sample whose build throws {@link SkipSampleException} is left out of its batch
 *       and listed in {@link LoadedBatch#skipped()}; the plan does not change, so a resumed run skips the
 *       same samples in the same places.</li>
 *   <li><b>Failures.</b> Any other exception from {@link SampleSource#get} becomes a
 *       {@link SampleBuildException} naming the sample, thrown by the {@link #next()} that would have
 *       delivered its batch (after every earlier batch). The loader then stops its workers and throws
 *       the same exception on every later {@code next()}.</li>
 *   <li><b>Resume.</b> {@link LoadedBatch#resume()} (or {@link #cursor()}) saved after a step and
 *       passed to {@link #open} gives exactly the batches that would have followed it.</li>
 *   <li><b>Threads.</b> One consumer thread calls the loader. {@link #close()} may also come from
 *       another thread (a watchdog, a shutdown hook): it interrupts the workers, waits up to
 *       {@link #CLOSE_WAIT} for them to end, and a consumer waiting in {@code next()} gets an
 *       {@link IllegalStateException}.</li>
 * </ul>
 */
public final class BatchLoader<I> implements Iterator<LoadedBatch<I>>, AutoCloseable {

    /** How long close() waits for workers to finish the sample they are in. */
    public static final Duration CLOSE_WAIT = PlannedBatches.CLOSE_WAIT;

    private final PlannedBatches<TokenizedSample<I>, LoadedBatch<I>> batches;
    private BatchStats stats = BatchStats.none();

    private BatchLoader(PlannedBatches<TokenizedSample<I>, LoadedBatch<I>> batches) {
        this.batches = batches;
    }

    /**
     * A loader from {@code from} ({@link BatchPlan#start()} for a new run) to the end of epoch
     * {@code epochs - 1}.
     *
     * @throws IllegalArgumentException if the source and plan differ in size, or the cursor belongs to
     *                                  another seed or plan
     */
    public static <I> BatchLoader<I> open(SampleSource<TokenizedSample<I>> source, BatchPlan plan, Collator collator,
                                          Prefetch prefetch, Cursor from, int epochs) {
        Objects.requireNonNull(collator, "collator");
        return new BatchLoader<>(PlannedBatches.open(source, plan,
                (epoch, step, rows, skipped, resume) -> new LoadedBatch<>(epoch, step, collator.collate(rows), skipped,
                        resume), prefetch, from, epochs));
    }

    @Override
    public boolean hasNext() {
        return batches.hasNext();
    }

    /**
     * The next batch.
     *
     * @throws SampleBuildException naming the sample that failed to build
     */
    @Override
    public LoadedBatch<I> next() {
        LoadedBatch<I> batch = batches.next();
        stats = stats.plus(batch);
        return batch;
    }

    /** Where a run restored now would begin: after the last delivered batch. */
    public Cursor cursor() {
        return batches.cursor();
    }

    /** Counts over the batches delivered since open. */
    public BatchStats stats() {
        return stats;
    }

    public BatchPlan plan() {
        return batches.plan();
    }

    /**
     * Stops the workers: builds not begun are dropped, running ones interrupted.
     *
     * @throws IllegalStateException if a worker is still running after {@link #CLOSE_WAIT}: its
     *                               {@link SampleSource#get} ignores interrupts
     */
    @Override
    public void close() {
        batches.close();
    }
}
