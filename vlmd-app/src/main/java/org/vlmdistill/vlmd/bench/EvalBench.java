package org.vlmdistill.vlmd.bench;

import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.eval.bench.Benchmark;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.run.EvalModel;
import org.vlmdistill.eval.run.EvalProgress;
import org.vlmdistill.eval.run.Evaluator;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluation throughput on a tiny Idefics3 model (random weights, whose answers rarely hit EOS and so
 * mostly run to {@code maxNewTokens}) over Shapes: items/s of batched greedy generation
 * on the open test set, and of option log-likelihood on the multiple-choice one, each the median of
 * {@code repeats} runs after one warm-up run.
 */
public final class EvalBench {
    /** One configuration's median over the repeats. */
    public record Result(String mode, String benchmark, int batch, int items, int maxNewTokens, long parameters,
                         double seconds, double itemsPerSecond, int repeats) {
    }

    private EvalBench() {
    }

    public static List<Result> run(Path work, List<Integer> batches, int items, int maxNewTokens, int repeats, long seed)
            throws IOException {
        Path model = TinyModels.idefics3(work.resolve("model"), seed,
                TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words())));
        Path shapes = work.resolve("shapes");
        ShapesDataset.write(shapes, 0, items, seed);
        ImageDecoder decoder = new ImageDecoder();
        Benchmark open = Benchmarks.load(new Benchmarks.Spec(shapes.resolve(ShapesDataset.TEST_TSV), Optional.empty()),
                0, ReaderOptions.DEFAULTS, decoder);
        Benchmark mcq = Benchmarks.load(new Benchmarks.Spec(shapes.resolve(ShapesDataset.TEST_MCQ_TSV), Optional.empty()),
                0, ReaderOptions.DEFAULTS, decoder);
        List<Result> out = new ArrayList<>();
        try (EvalModel m = EvalModel.open(model, ComputePolicy.of(Map.of("dtype", "fp32")))) {
            long parameters = m.model().parameters().elements();
            for (int batch : batches) {
                Evaluator evaluator = new Evaluator(decoder, batch, maxNewTokens, false, EvalProgress.silent());
                out.add(time(evaluator, m, open, ScoringMode.GENERATE, batch, maxNewTokens, parameters, repeats));
                out.add(time(evaluator, m, mcq, ScoringMode.LOGLIK, batch, 0, parameters, repeats));
            }
        }
        return out;
    }

    private static Result time(Evaluator evaluator, EvalModel m, Benchmark b, ScoringMode mode, int batch,
                               int maxNewTokens, long parameters, int repeats) {
        evaluator.run(m, "bench", b, mode); // warm-up: libtorch's first calls, the JIT
        double[] seconds = new double[repeats];
        double[] rate = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            BenchmarkScore s = evaluator.run(m, "bench", b, mode);
            seconds[r] = s.seconds();
            rate[r] = s.itemsPerSecond();
        }
        return new Result(mode.label(), b.name(), batch, b.items().size(), maxNewTokens, parameters,
                Median.of(seconds), Median.of(rate), repeats);
    }
}
