package org.vlmdistill.eval.result;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@code vlmd eval} run found: what ran (models, benchmarks, settings, versions), every
 * score and every prediction. {@code results.json} is this record; the Markdown table and the HTML page
 * are views of it.
 *
 * @param versions {@code vlmd}, {@code djl}, {@code libtorch}, {@code java}, ...
 */
public record EvalReport(Instant created, Map<String, String> versions, EvalSettings settings, List<ModelInfo> models,
                         List<BenchmarkInfo> benchmarks, List<BenchmarkScore> scores,
                         List<AgreementScore> agreements) {
    public EvalReport {
        versions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(versions));
        models = List.copyOf(models);
        benchmarks = List.copyOf(benchmarks);
        scores = List.copyOf(scores);
        agreements = List.copyOf(agreements);
    }
}
