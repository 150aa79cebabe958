package org.vlmdistill.eval.result;

import org.vlmdistill.eval.bench.BenchProblem;

import java.util.List;
import java.util.Objects;

/**
 * How closely a model follows a reference model (the teacher) on a benchmark's reference answers,
 * teacher-forced: at every answer token, both models' next-token distributions over the shared vocabulary.
 *
 * @param reference     the reference model's label
 * @param model         the compared model's label
 * @param items         items compared
 * @param tokens        answer tokens compared
 * @param top1Agreement fraction of those tokens where both models' argmax is the same token
 * @param meanKl        mean over those tokens of KL(reference || model), in nats
 * @param problems      items left out, and why
 */
public record AgreementScore(String reference, String model, String benchmark, int items, long tokens,
                             double top1Agreement, double meanKl, List<BenchProblem> problems) {
    public AgreementScore {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(benchmark, "benchmark");
        problems = List.copyOf(problems);
    }
}
