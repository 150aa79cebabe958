package org.vlmdistill.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.device.Versions;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.distill.teacher.CacheParts;
import org.vlmdistill.eval.bench.Benchmark;
import org.vlmdistill.eval.report.ResultsJson;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.ModelInfo;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.run.EvalJob;
import org.vlmdistill.eval.run.EvalModel;
import org.vlmdistill.eval.run.EvalProgress;
import org.vlmdistill.eval.run.Evaluator;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vlmd eval} as a Spark job: every (model, benchmark, mode) the single-machine run evaluates is
 * split into batch-aligned ranges of its tasks ({@link Evaluator#predict}: each range batched as the whole
 * run batches it), a Spark task per range opens its model and answers its tasks, and the driver scores
 * each benchmark from its ranges' answers ({@link Evaluator#score}) into the same {@link EvalReport}
 * ({@code results.json}, {@code results.md}, {@code report.html}) {@code vlmd eval} writes. Agreement
 * between models (which needs two models side by side) is not computed here.
 */
public final class SparkEval {
    private SparkEval() {
    }

    /** One Spark task: tasks {@code [from, to)} of benchmark {@code bench} for model {@code model} in {@code mode}. */
    record Unit(int model, int bench, String mode, int from, int to) implements Serializable {
    }

    /**
     * @param request    the models, benchmarks and settings, as {@code vlmd eval} takes them (agreement is
     *                   refused)
     * @param partitions ranges per (model, benchmark, mode), fewer when it has fewer batches
     */
    public static EvalReport run(JavaSparkContext spark, EvalJob.Request request, int partitions) throws IOException {
        if (request.agreement()) {
            throw new IllegalArgumentException("agreement between models is not computed by the Spark job; "
                    + "run vlmd eval for it");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be >= 1, was " + partitions);
        }
        ImageDecoder decoder = new ImageDecoder();
        List<Benchmark> benches = EvalJob.benchmarks(request, ReaderOptions.DEFAULTS, decoder);
        Evaluator evaluator = EvalJob.evaluator(request.settings(), decoder, EvalProgress.silent());
        List<String> names = EvalJob.modelNames(request);
        List<Unit> units = new ArrayList<>();
        for (int m = 0; m < request.models().size(); m++) {
            for (int b = 0; b < benches.size(); b++) {
                for (ScoringMode mode : request.settings().modes()) {
                    if (Evaluator.applies(mode, benches.get(b).kind())) {
                        // the teacher-logits job's split: contiguous, batch-aligned ranges
                        for (CacheParts.Range r : CacheParts.ranges(evaluator.taskCount(benches.get(b)), partitions,
                                request.settings().batchSize())) {
                            units.add(new Unit(m, b, mode.label(), r.from(), r.to()));
                        }
                    }
                }
            }
        }
        List<String> models = request.models().stream().map(p -> p.toAbsolutePath().toString()).toList();
        List<String> specs = request.benchmarks().stream()
                .map(s -> s.file().toAbsolutePath() + s.kind().map(k -> ":" + k.label()).orElse("")).toList();
        EvalRequestData data = new EvalRequestData(models, names, specs, request.settings().modes().stream()
                .map(ScoringMode::label).toList(), request.settings().limit(), request.settings().circular(),
                request.settings().maxNewTokens(), request.settings().batchSize());
        spark.setJobDescription("vlmd eval: " + units.size() + " ranges of " + models.size() + " model(s) on "
                + benches.size() + " benchmark(s)");
        List<String> parts;
        try {
            parts = spark.parallelize(units, Math.max(1, units.size())).map(u -> evaluate(data, u)).collect();
        } catch (Exception e) { // Spark's SparkException is checked, thrown unchecked from Scala
            throw SparkJobException.of("eval", e);
        }
        List<ModelInfo> infos = new ArrayList<>();
        List<BenchmarkScore> scores = new ArrayList<>();
        int at = 0;
        for (int m = 0; m < request.models().size(); m++) {
            ModelInfo info = null;
            for (int b = 0; b < benches.size(); b++) {
                for (ScoringMode mode : request.settings().modes()) {
                    List<Evaluator.Part> ps = new ArrayList<>();
                    while (at < units.size() && units.get(at).model() == m && units.get(at).bench() == b
                            && units.get(at).mode().equals(mode.label())) {
                        ResultsJson.ModelPart p = ResultsJson.partFromJson(parts.get(at++));
                        info = p.model();
                        ps.add(p.part());
                    }
                    if (!ps.isEmpty()) {
                        scores.add(evaluator.score(names.get(m), benches.get(b), mode, ps));
                    }
                }
            }
            if (info == null) {
                throw new IllegalArgumentException("model " + request.models().get(m) + ": no benchmark applies in "
                        + "the modes asked for");
            }
            infos.add(info);
        }
        return new EvalReport(Instant.now(), Versions.current().asMap(), request.settings(), infos,
                EvalJob.infos(benches), scores, List.of());
    }

    /** The request as the executors rebuild it: paths and settings, no open model or read file. */
    record EvalRequestData(List<String> models, List<String> names, List<String> benchmarks, List<String> modes,
                           int limit, boolean circular, int maxNewTokens, int batchSize) implements Serializable {
    }

    /** An executor's task: its model opened, its benchmark read, its range answered; a line of JSON. */
    static String evaluate(EvalRequestData data, Unit u) {
        String host = SparkTeacherLogits.host();
        TaskContext task = TaskContext.get();
        int attempt = task == null ? 0 : task.attemptNumber();
        Path dir = Path.of(data.models().get(u.model()));
        try {
            if (!Files.isDirectory(dir)) {
                throw new IOException("model directory " + dir + (Files.exists(dir) ? ": not a directory"
                        : ": no such directory on this executor"));
            }
            ComputePolicy policy = ComputePolicy.fromEnvironment();
            org.vlmdistill.eval.result.EvalSettings settings = new org.vlmdistill.eval.result.EvalSettings(
                    data.modes().stream().map(ScoringMode::parse).toList(), data.limit(), data.circular(),
                    data.maxNewTokens(), data.batchSize(), null, null);
            List<org.vlmdistill.eval.bench.Benchmarks.Spec> specs = data.benchmarks().stream()
                    .map(org.vlmdistill.eval.bench.Benchmarks.Spec::parse).toList();
            ImageDecoder decoder = new ImageDecoder();
            EvalJob.Request request = new EvalJob.Request(List.of(dir), List.of(data.names().get(u.model())),
                    List.of(specs.get(u.bench())), settings, false);
            Benchmark bench = EvalJob.benchmarks(request, ReaderOptions.DEFAULTS, decoder).getFirst();
            Evaluator evaluator = EvalJob.evaluator(settings, decoder, EvalProgress.silent());
            try (EvalModel model = EvalModel.open(dir, policy)) {
                Evaluator.Part part = evaluator.predict(model, bench, ScoringMode.parse(u.mode()), u.from(), u.to());
                return ResultsJson.partToJson(new ResultsJson.ModelPart(model.info(data.names().get(u.model())), part));
            }
        } catch (IOException | RuntimeException e) {
            throw new UnitFailedException("model " + dir + ", benchmark " + data.benchmarks().get(u.bench()) + " ("
                    + u.mode() + "), tasks [" + u.from() + ", " + u.to() + ") on " + host + ", attempt " + attempt
                    + ": " + SparkTeacherLogits.message(e), e);
        }
    }

    /** A task's failure, naming its model, benchmark, range and executor. */
    public static final class UnitFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnitFailedException(String message, Throwable cause) {
            // the cause as plain exceptions: it must serialize to reach the driver
            super(message, SparkJobException.portable(cause.getClass().getName() + ": " + cause.getMessage(), cause));
        }
    }
}
