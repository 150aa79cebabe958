package org.vlmdistill.spark;

import org.apache.spark.TaskContext;

import java.io.Serializable;

/**
 * A test hook, {@code --inject-failure P:N:A}: the task of partition {@code P} throws after its
 * {@code N}th batch in each of its first {@code A} attempts. {@code A = 1} with {@code local[2,2]} is a
 * task Spark retries; {@code A} past Spark's {@code spark.task.maxFailures} fails the job, as a killed job
 * would, leaving the partitions that completed.
 */
public record FaultInjection(int partition, long afterBatches, int attempts) implements Serializable {
    public FaultInjection {
        if (partition < 0 || afterBatches < 0 || attempts < 1) {
            throw new IllegalArgumentException("--inject-failure P:N:A needs P >= 0, N >= 0, A >= 1");
        }
    }

    /** {@code P:N:A}. */
    public static FaultInjection parse(String spec) {
        String[] f = spec.split(":");
        if (f.length != 3) {
            throw new IllegalArgumentException("--inject-failure " + spec + ": expected PARTITION:BATCHES:ATTEMPTS");
        }
        try {
            return new FaultInjection(Integer.parseInt(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--inject-failure " + spec + ": expected PARTITION:BATCHES:ATTEMPTS");
        }
    }

    /** Throws when this task is the one to fail ({@code f} null: none), after {@code batch} batches. */
    static void at(FaultInjection f, int partition, long batch) {
        if (f == null) {
            return;
        }
        TaskContext task = TaskContext.get();
        int attempt = task == null ? 0 : task.attemptNumber();
        if (f.partition == partition && batch == f.afterBatches && attempt < f.attempts) {
            throw new InjectedFailure("injected failure: partition " + partition + ", attempt " + attempt + ", after "
                    + batch + " batches");
        }
    }

    /** The exception the hook throws. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
