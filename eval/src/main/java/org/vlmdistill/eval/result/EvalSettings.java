package org.vlmdistill.eval.result;

import java.util.List;

/**
 * How a run evaluated.
 *
 * @param modes        the scoring modes asked for (loglik applies to multiple-choice benchmarks only)
 * @param limit        items per benchmark at most, or 0 for all
 * @param circular     MMBench's circular evaluation for multiple choice
 * @param maxNewTokens tokens generated at most per answer, or 0 for each benchmark kind's default
 * @param batchSize    items per generation / scoring batch
 * @param computeDType the dtype the models computed in
 * @param device       where they computed
 */
public record EvalSettings(List<ScoringMode> modes, int limit, boolean circular, int maxNewTokens, int batchSize,
                           String computeDType, String device) {
    public EvalSettings {
        modes = List.copyOf(modes);
    }
}
