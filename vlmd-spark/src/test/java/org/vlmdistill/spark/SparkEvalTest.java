package org.vlmdistill.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.device.Versions;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.report.ReportFiles;
import org.vlmdistill.eval.report.ResultsJson;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.run.EvalJob;
import org.vlmdistill.eval.run.EvalProgress;
import org.vlmdistill.tiny.TinyModels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval} on Spark in {@code local[2]}: two tiny models (different seeds) on Shapes' multiple-choice and
 * open benchmarks in both modes where they apply, each benchmark's first 7 items in three ranges, against {@link EvalJob#run}
 * ({@code vlmd eval}'s run) on the same items: the same results.json scores, predictions and problems.
 */
class SparkEvalTest {
    @TempDir
    static Path tmp;
    static JavaSparkContext spark;
    static Path modelA;
    static Path modelB;
    static Path shapes;

    @BeforeAll
    static void setUp() throws IOException {
        TinyModels.Spec spec = TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()));
        modelA = TinyModels.idefics3(tmp.resolve("a"), 1, spec);
        modelB = TinyModels.idefics3(tmp.resolve("b"), 2, spec);
        shapes = tmp.resolve("shapes");
        ShapesDataset.write(shapes, 1, 20, 9);
        spark = new JavaSparkContext(SparkTeacherLogitsTest.conf("local[2]"));
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.close();
        }
    }

    @Test
    void resultsJsonScoresEqualVlmdEvalsOnTheSameItems() throws IOException {
        ComputePolicy policy = ComputePolicy.fromEnvironment();
        // 7 items a benchmark, batches of 2, 4 new tokens: ranges [0, 2), [2, 4), [4, 7) per model, benchmark and mode
        EvalSettings settings = new EvalSettings(List.of(ScoringMode.GENERATE, ScoringMode.LOGLIK), 7, false, 4, 2,
                policy.computeDType().name().toLowerCase(Locale.ROOT), policy.device().toString());
        EvalJob.Request request = new EvalJob.Request(List.of(modelA, modelB), List.of(
                Benchmarks.Spec.parse(shapes.resolve(ShapesDataset.TEST_MCQ_TSV).toString()),
                Benchmarks.Spec.parse(shapes.resolve(ShapesDataset.TEST_TSV).toString())), settings, false);
        EvalReport single = EvalJob.run(request, policy, ReaderOptions.DEFAULTS, new ImageDecoder(),
                Versions.current().asMap(), EvalProgress.silent());
        EvalReport distributed = SparkEval.run(spark, request, 3);
        ReportFiles.writeAll(single, tmp.resolve("single"));
        ReportFiles.writeAll(distributed, tmp.resolve("spark"));
        // as results.json holds them, read back
        EvalReport a = ResultsJson.read(tmp.resolve("single/results.json"));
        EvalReport b = ResultsJson.read(tmp.resolve("spark/results.json"));
        assertEquals(a.models(), b.models());
        assertEquals(a.benchmarks(), b.benchmarks());
        assertEquals(a.settings(), b.settings());
        assertEquals(a.scores().size(), b.scores().size());
        assertTrue(a.scores().size() >= 6, a.scores().size() + " scores"); // 2 models x (mcq in both modes + open)
        for (int i = 0; i < a.scores().size(); i++) {
            BenchmarkScore x = a.scores().get(i);
            BenchmarkScore y = b.scores().get(i);
            String what = x.model() + " / " + x.benchmark() + " (" + x.mode().label() + ")";
            assertEquals(x.model(), y.model(), what);
            assertEquals(x.benchmark(), y.benchmark(), what);
            assertEquals(x.mode(), y.mode(), what);
            assertEquals(x.metrics(), y.metrics(), what);
            assertEquals(x.byCategory(), y.byCategory(), what);
            assertEquals(x.predictions(), y.predictions(), what);
            assertEquals(x.unscored(), y.unscored(), what);
            System.out.printf(Locale.ROOT, "%s: %s %.4f over %d, equal on Spark%n", what, x.headline().name(),
                    x.headline().value(), x.headline().over());
        }
    }

    @Test
    void anExecutorThatCannotOpenTheModelNamesItsPath() {
        Path missing = tmp.resolve("no-such-model");
        EvalSettings settings = new EvalSettings(List.of(ScoringMode.GENERATE), 4, false, 0, 2, "float32", "cpu");
        EvalJob.Request request = new EvalJob.Request(List.of(missing), List.of(
                Benchmarks.Spec.parse(shapes.resolve(ShapesDataset.TEST_MCQ_TSV).toString())), settings, false);
        SparkJobException e = assertThrows(SparkJobException.class, () -> SparkEval.run(spark, request, 2));
        System.out.println("missing model: " + e.getMessage());
        assertTrue(e.getMessage().contains("model directory " + missing + ": no such directory"), e.getMessage());
    }
}
