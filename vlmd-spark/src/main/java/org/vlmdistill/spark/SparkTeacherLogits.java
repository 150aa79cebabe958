package org.vlmdistill.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.vlmdistill.core.io.DirectoryLock;
import org.vlmdistill.distill.teacher.CacheFormat;
import org.vlmdistill.distill.teacher.CacheParts;
import org.vlmdistill.distill.teacher.TeacherLogitsJob;
import org.vlmdistill.distill.teacher.TopKTruncation;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code vlmd teacher-logits} as a Spark job. The driver reads the data's records (text only) and splits
 * them into batch-aligned contiguous ranges ({@link TeacherLogitsJob#plan}); each Spark task writes one
 * partition ({@link TeacherLogitsJob#writePart}: the teacher loaded once per task, its shard and manifest
 * written atomically into the output directory, which every executor must see at the same path: a shared
 * file system); the driver merges the index from the complete partitions ({@link TeacherLogitsJob#merge}).
 * A partition whose manifest and shard are already there is not run again, so a rerun after a failed or
 * killed job writes only what is missing. The result is the cache the single-machine job writes, read by
 * {@code teacher_cache} unchanged.
 */
public final class SparkTeacherLogits {
    private SparkTeacherLogits() {
    }

    /**
     * @param config     the run config file (its student, teacher, data, max_tokens, batch_size, compute), read on
     *                   the driver and again on every executor
     * @param partitions how many ranges to split the records into (fewer when there are fewer batches)
     * @param failure    the test hook, or null
     */
    public record Request(Path config, Path out, TopKTruncation truncation, int partitions, FaultInjection failure) {
        public Request {
            if (partitions < 1) {
                throw new IllegalArgumentException("--partitions must be >= 1, was " + partitions);
            }
        }
    }

    /** One partition as the job found or wrote it. */
    public record PartitionReport(int partition, int from, int to, int samples, int skipped, long positions,
                                  boolean reused, String host, int attempt, double seconds) implements Serializable {
    }

    /** The merged cache and the job's partitions, in order. */
    public record Result(TeacherLogitsJob.Result merged, List<PartitionReport> partitions) {
        public Result {
            partitions = List.copyOf(partitions);
        }

        public long reused() {
            return partitions.stream().filter(PartitionReport::reused).count();
        }
    }

    /**
     * Runs the job on {@code spark}; the output directory is locked by the driver for the job's life.
     *
     * @throws SparkJobException naming the partition and its error when a task failed past Spark's retries
     */
    public static Result run(JavaSparkContext spark, Request request) throws IOException {
        RunConfig config = RunConfig.read(request.config());
        Path out = request.out().toAbsolutePath();
        if (Files.exists(out.resolve(CacheFormat.INDEX))) {
            throw new IOException(out.resolve(CacheFormat.INDEX) + ": the directory already holds a teacher-logits "
                    + "cache; remove it or write to another directory");
        }
        try (DirectoryLock lock = DirectoryLock.acquire(out, "vlmd-spark teacher-logits")) {
            lock.tookOverNote().ifPresent(System.err::println);
            TeacherLogitsJob.PartPlan plan = TeacherLogitsJob.plan(config, request.partitions());
            List<CacheParts.Manifest> done = new ArrayList<>();
            List<CacheParts.Range> missing = new ArrayList<>();
            for (CacheParts.Range r : plan.ranges()) {
                Optional<CacheParts.Manifest> m = CacheParts.complete(out, r, Optional.empty());
                if (m.isPresent()) {
                    done.add(m.get());
                } else {
                    missing.add(r);
                }
            }
            List<PartitionReport> reports = new ArrayList<>();
            for (CacheParts.Manifest m : done) {
                reports.add(report(m, true, "", 0, 0));
            }
            if (!missing.isEmpty()) {
                String configFile = request.config().toAbsolutePath().toString();
                String outDir = out.toString();
                double topP = request.truncation().topP();
                int topK = request.truncation().topK();
                double temperature = request.truncation().temperature();
                int records = plan.records();
                FaultInjection failure = request.failure();
                spark.setJobDescription("vlmd teacher-logits: " + missing.size() + " of " + plan.ranges().size()
                        + " partitions of " + records + " records");
                try {
                    // one element a slice: Spark task i writes partition missing[i]
                    reports.addAll(spark.parallelize(missing, missing.size())
                            .map(r -> writePart(configFile, outDir, topP, topK, temperature, r, records, failure))
                            .collect());
                } catch (Exception e) { // Spark's SparkException is checked, thrown unchecked from Scala
                    throw SparkJobException.of("teacher-logits", e);
                }
            }
            reports.sort(java.util.Comparator.comparingInt(PartitionReport::partition));
            List<CacheParts.Manifest> all = new ArrayList<>();
            for (CacheParts.Range r : plan.ranges()) {
                all.add(CacheParts.complete(out, r, Optional.empty()).orElseThrow(() -> new IllegalStateException(
                        "partition " + r.index() + " reported done but its manifest or shard is missing in " + out
                                + ": do the executors write to the driver's file system?")));
            }
            return new Result(TeacherLogitsJob.merge(config, out, plan, all), reports);
        }
    }

    /** An executor's task: one partition, or an error naming it, its records and the executor. */
    static PartitionReport writePart(String configFile, String out, double topP, int topK, double temperature,
                                     CacheParts.Range range, int records, FaultInjection failure) {
        TaskContext task = TaskContext.get();
        int attempt = task == null ? 0 : task.attemptNumber();
        String host = host();
        long start = System.nanoTime();
        try {
            RunConfig config = RunConfig.read(Path.of(configFile));
            CacheParts.Manifest m = TeacherLogitsJob.writePart(config, Path.of(out),
                    new TopKTruncation(topP, topK, temperature), range, records, total -> new Progress() {
                        @Override
                        public void update(long step, String message) {
                            // a cancelled job (another task failed past its retries) stops here, between batches
                            if (task != null) {
                                task.killTaskIfInterrupted();
                            }
                            FaultInjection.at(failure, range.index(), step);
                        }

                        @Override
                        public void note(String line) {
                        }

                        @Override
                        public void close() {
                        }
                    });
            return report(m, false, host, attempt, (System.nanoTime() - start) / 1e9);
        } catch (IOException | RuntimeException e) {
            throw new PartitionFailedException("partition " + range.index() + " (records [" + range.from() + ", "
                    + range.to() + ")) on " + host + ", attempt " + attempt + ": " + message(e), e);
        }
    }

    private static PartitionReport report(CacheParts.Manifest m, boolean reused, String host, int attempt,
                                          double seconds) {
        return new PartitionReport(m.range().index(), m.range().from(), m.range().to(), m.samples(),
                m.skipped().size(), m.positions(), reused, host, attempt, seconds);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getName() : m;
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "an executor";
        }
    }

    /** A task's failure, naming its partition and executor; Spark retries it, then fails the job with it. */
    public static final class PartitionFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PartitionFailedException(String message, Throwable cause) {
            // the cause as plain exceptions: it must serialize to reach the driver
            super(message, SparkJobException.portable(cause.getClass().getName() + ": " + cause.getMessage(), cause));
        }
    }
}
