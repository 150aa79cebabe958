package org.vlmdistill.eval.run;

import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.eval.bench.Benchmark;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.result.AgreementScore;
import org.vlmdistill.eval.result.BenchmarkInfo;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.ModelInfo;
import org.vlmdistill.eval.result.ScoringMode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A whole evaluation: every benchmark read once, then each model in turn on every benchmark in every
 * mode that applies, and, with several models, each one's agreement with the first (the teacher, kept
 * loaded while the others are evaluated, so two models are in memory at most).
 */
public final class EvalJob {
    private EvalJob() {
    }

    /**
     * @param models    model directories; the first is the reference for agreement
     * @param names     the models' names in the report, one per model, or empty for names made from
     *                  the directories ({@code run/step-100} for a checkpoint)
     * @param agreement whether to measure agreement with the first model (needs at least two)
     */
    public record Request(List<Path> models, List<String> names, List<Benchmarks.Spec> benchmarks,
                          EvalSettings settings, boolean agreement) {
        public Request {
            models = List.copyOf(models);
            names = List.copyOf(names);
            benchmarks = List.copyOf(benchmarks);
            if (models.isEmpty() || benchmarks.isEmpty()) {
                throw new IllegalArgumentException("an evaluation needs at least one model and one benchmark");
            }
            if (!names.isEmpty() && names.size() != models.size()) {
                throw new IllegalArgumentException(names.size() + " names for " + models.size() + " models");
            }
        }

        public Request(List<Path> models, List<Benchmarks.Spec> benchmarks, EvalSettings settings, boolean agreement) {
            this(models, List.of(), benchmarks, settings, agreement);
        }
    }

    public static EvalReport run(Request request, ComputePolicy policy, ReaderOptions readerOptions,
                                 ImageDecoder decoder, Map<String, String> versions, EvalProgress progress)
            throws IOException {
        EvalSettings settings = request.settings();
        List<Benchmark> benches = benchmarks(request, readerOptions, decoder);
        List<BenchmarkInfo> infos = infos(benches);
        Evaluator evaluator = evaluator(settings, decoder, progress);
        List<ModelInfo> models = new ArrayList<>();
        List<BenchmarkScore> scores = new ArrayList<>();
        List<AgreementScore> agreements = new ArrayList<>();
        List<String> modelNames = modelNames(request);
        EvalModel reference = null;
        String referenceName = null;
        try {
            for (int i = 0; i < request.models().size(); i++) {
                Path dir = request.models().get(i);
                String name = modelNames.get(i);
                EvalModel model = EvalModel.open(dir, policy);
                try {
                    models.add(model.info(name));
                    for (Benchmark b : benches) {
                        for (ScoringMode mode : settings.modes()) {
                            if (Evaluator.applies(mode, b.kind())) {
                                scores.add(evaluator.run(model, name, b, mode));
                            }
                        }
                        if (request.agreement() && reference != null) {
                            agreements.add(Agreement.measure(reference, referenceName, model, name, b,
                                    settings.batchSize(), decoder, progress));
                        }
                    }
                } finally {
                    if (i == 0 && request.agreement() && request.models().size() > 1) {
                        reference = model;
                        referenceName = name;
                    } else {
                        model.close();
                    }
                }
            }
        } finally {
            if (reference != null) {
                reference.close();
            }
        }
        return new EvalReport(Instant.now(), versions, settings, models, infos, scores, agreements);
    }

    /** Every benchmark of the request read once, named uniquely (a second {@code mmb} becomes {@code mmb-2}). */
    public static List<Benchmark> benchmarks(Request request, ReaderOptions readerOptions, ImageDecoder decoder)
            throws IOException {
        List<Benchmark> benches = new ArrayList<>();
        Set<String> benchNames = new HashSet<>();
        for (Benchmarks.Spec spec : request.benchmarks()) {
            Benchmark b = Benchmarks.load(spec, request.settings().limit(), readerOptions, decoder);
            benches.add(b.named(unique(b.name(), benchNames)));
        }
        return benches;
    }

    /** The report's description of each benchmark. */
    public static List<BenchmarkInfo> infos(List<Benchmark> benches) {
        return benches.stream().map(b -> new BenchmarkInfo(b.name(), b.file().toString(),
                b.sha256(), b.kind(), b.records(), b.items().size(), b.chance(), b.problems())).toList();
    }

    /** The evaluator the settings describe. */
    public static Evaluator evaluator(EvalSettings settings, ImageDecoder decoder, EvalProgress progress) {
        return new Evaluator(decoder, settings.batchSize(), settings.maxNewTokens(), settings.circular(), progress);
    }

    /** Each model's name in the report: given, or {@link #label}, made unique in order. */
    public static List<String> modelNames(Request request) {
        Set<String> taken = new HashSet<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < request.models().size(); i++) {
            names.add(unique(request.names().isEmpty() ? label(request.models().get(i)) : request.names().get(i),
                    taken));
        }
        return names;
    }

    /**
     * A model's name in tables: its directory's name, or {@code run/step-100} for a checkpoint's
     * {@code model} directory ({@code run/step-100/model} or {@code run/checkpoints/step-100/model}), whose
     * own name says nothing.
     */
    static String label(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String name = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
        if (name.equals("model") && abs.getParent() != null && abs.getParent().getFileName() != null) {
            Path step = abs.getParent();
            Path run = step.getParent();
            if (run != null && run.getFileName() != null && run.getFileName().toString().equals("checkpoints")) {
                run = run.getParent(); // vlmd distill's layout: RUN/checkpoints/step-N/model
            }
            return (run != null && run.getFileName() != null ? run.getFileName() + "/" : "") + step.getFileName();
        }
        return name;
    }

    private static String unique(String name, Set<String> taken) {
        String n = name;
        for (int k = 2; !taken.add(n.toLowerCase(Locale.ROOT)); k++) {
            n = name + "-" + k;
        }
        return n;
    }
}
