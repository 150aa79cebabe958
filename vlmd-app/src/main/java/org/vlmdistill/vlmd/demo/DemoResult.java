package org.vlmdistill.vlmd.demo;

import org.vlmdistill.eval.result.EvalReport;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one demo run did.
 *
 * @param trainMultipleChoice multiple-choice training records written beside the open ones
 * @param teacherOrigin how the teacher came to be (shipped with vlmd, or trained by this run and how)
 * @param seconds       wall time per phase (data, teacher, students, evaluation, report), in order
 */
public record DemoResult(DemoSettings settings, int trainMultipleChoice, Path teacher, String teacherOrigin, List<TrainingRun.Result> students,
                         EvalReport eval, DemoSummary summary, Map<String, Double> seconds) {
    public DemoResult {
        students = List.copyOf(students);
        seconds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(seconds));
    }
}
