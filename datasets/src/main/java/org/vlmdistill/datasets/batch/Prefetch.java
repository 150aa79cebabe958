package org.vlmdistill.datasets.batch;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * How far ahead, and on how many threads, batches are built.
 *
 * <p>The workers are a fixed pool of platform threads: building a sample is mostly CPU work (image
 * decoding, resizing, tokenization), and more runnable threads than cores would only contend. A source
 * that mostly waits on I/O (a network store) can pass {@code Thread.ofVirtual().factory()}; the pool
 * still runs at most {@code workers} builds at a time.
 *
 * @param workers   threads that build batches; 0 builds each batch on the consumer's thread, when asked
 * @param capacity  batches built or being built ahead of the consumer, at most: the memory bound. More
 *                  workers than capacity leaves the extra ones idle.
 * @param threadFactory makes the worker threads
 */
public record Prefetch(int workers, int capacity, ThreadFactory threadFactory) {

    public Prefetch {
        if (workers < 0 || capacity < 1) {
            throw new IllegalArgumentException("prefetch with " + workers + " workers and capacity " + capacity
                    + " (need workers >= 0, capacity >= 1)");
        }
        Objects.requireNonNull(threadFactory, "threadFactory");
    }

    /** No background threads: the reference behaviour, and the simplest to debug. */
    public static Prefetch none() {
        return of(0, 1);
    }

    /**
     * {@code workers} daemon threads named {@code batch-prefetch-N}. Daemon, so a consumer that forgets
     * {@link BatchLoader#close()} cannot keep the JVM alive; close still stops them.
     */
    public static Prefetch of(int workers, int capacity) {
        return new Prefetch(workers, capacity, Thread.ofPlatform().name("batch-prefetch-", 1).daemon(true).factory());
    }

    public Prefetch withThreadFactory(ThreadFactory factory) {
        return new Prefetch(workers, capacity, factory);
    }
}
