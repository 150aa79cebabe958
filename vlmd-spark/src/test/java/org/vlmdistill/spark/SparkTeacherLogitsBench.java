package org.vlmdistill.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.api.java.JavaSparkContext;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.distill.data.TinyPair;
import org.vlmdistill.distill.teacher.TeacherLogitsJob;
import org.vlmdistill.distill.teacher.TopKTruncation;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.tiny.TinyModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BENCHMARKS.md's teacher-logits throughput: the single-machine job ({@link TeacherLogitsJob#run}, what
 * {@code vlmd teacher-logits} runs) on the main thread as {@code vlmd} runs it and on a thread of its own
 * (as a Spark task runs: libtorch's threads behave differently off the main thread), against the Spark
 * job in {@code local[1]} and {@code local[2]}, on the same data, interleaved run by run, records per
 * second of the job (the Spark context's start timed apart: a cluster's context outlives one job). Not a test; run with the module's test classpath:
 * {@code java FLAGS -cp ... org.vlmdistill.spark.SparkTeacherLogitsBench DIR RUNS RECORDS...}.
 */
public final class SparkTeacherLogitsBench {
    private SparkTeacherLogitsBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        int partitions = 4;
        // the tiny pair's student; a teacher 4x wider and deeper than its (256 wide, 6 layers), so the forward
        // passes, not the job's set-up, are what a larger data set costs
        Path student = TinyModels.idefics3(dir.resolve("student"), 1, TinyPair.STUDENT);
        Path teacher = TinyModels.idefics3(dir.resolve("teacher"), 2, TinyPair.TEACHER.withText(256, 6));
        for (int a = 2; a < args.length; a++) {
            int records = Integer.parseInt(args[a]);
            Path shapes = dir.resolve("shapes-" + records);
            ShapesDataset.write(shapes, records, 1, 3);
            ObjectNode c = new ObjectMapper().createObjectNode();
            c.put("student", student.toString());
            c.put("teacher", teacher.toString());
            c.put("data", shapes.resolve(ShapesDataset.TRAIN_JSONL).toString());
            c.put("output", dir.resolve("unused").toString());
            c.put("batch_size", 8);
            c.putObject("loss").put("name", "taid");
            Path config = dir.resolve("run-" + records + ".json");
            Files.writeString(config, c.toPrettyString());
            TopKTruncation truncation = new TopKTruncation(0.95, 50, 1.0);
            Map<String, List<Double>> seconds = new LinkedHashMap<>();
            List<Double> startup = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                for (String mode : List.of("single", "single-thread", "local[1]", "local[2]")) {
                    Path out = dir.resolve("cache-" + records + "-" + mode.replaceAll("\\W", "") + "-" + r);
                    double s;
                    if (mode.equals("single-thread")) {
                        long t0 = System.nanoTime();
                        Thread t = new Thread(() -> {
                            try {
                                TeacherLogitsJob.run(RunConfig.read(config), out, truncation, total -> Progress.silent());
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                        t.start();
                        t.join();
                        s = (System.nanoTime() - t0) / 1e9;
                    } else if (mode.equals("single")) {
                        long t0 = System.nanoTime();
                        TeacherLogitsJob.run(RunConfig.read(config), out, truncation, total -> Progress.silent());
                        s = (System.nanoTime() - t0) / 1e9;
                    } else {
                        long t0 = System.nanoTime();
                        try (JavaSparkContext spark = new JavaSparkContext(SparkTeacherLogitsTest.conf(mode))) {
                            startup.add((System.nanoTime() - t0) / 1e9);
                            long t1 = System.nanoTime();
                            SparkTeacherLogits.run(spark, new SparkTeacherLogits.Request(config, out, truncation,
                                    partitions, null));
                            s = (System.nanoTime() - t1) / 1e9;
                        }
                    }
                    seconds.computeIfAbsent(mode, k -> new ArrayList<>()).add(s);
                    System.out.printf(Locale.ROOT, "%d records, %s, run %d: %.2f s%n", records, mode, r + 1, s);
                    AtomicFiles.deleteTree(out);
                }
            }
            double single = median(seconds.get("single"));
            for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
                double m = median(e.getValue());
                System.out.printf(Locale.ROOT, "| %d | %s | %s | %.2f | %.1f | %.2f |%n", records, e.getKey(),
                        e.getValue().stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList(), m, records / m,
                        single / m);
            }
            System.out.printf(Locale.ROOT, "spark context start (median of %d): %.2f s%n", startup.size(),
                    median(startup));
        }
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
