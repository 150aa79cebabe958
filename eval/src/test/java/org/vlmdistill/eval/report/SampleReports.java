package org.vlmdistill.eval.report;

import org.vlmdistill.eval.bench.BenchProblem;
import org.vlmdistill.eval.bench.BenchmarkKind;
import org.vlmdistill.eval.result.AgreementScore;
import org.vlmdistill.eval.result.BenchmarkInfo;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.Metric;
import org.vlmdistill.eval.result.ModelInfo;
import org.vlmdistill.eval.result.Prediction;
import org.vlmdistill.eval.result.ScoringMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reports built by hand: two models, a multiple-choice benchmark scored in both modes and a yes/no one,
 * with categories, problems, an agreement, and the values that trip up JSON and HTML (NaN and infinite
 * doubles, model output with markup and '|').
 */
final class SampleReports {
    static final String STUDENT = "student-256m";
    static final String TEACHER = "teacher-2b";
    static final String MCQ = "shapes_mcq";
    static final String YES_NO = "pope_mini";
    static final String TRICKY = "<b>&\"'";

    private SampleReports() {
    }

    static EvalReport sample() {
        return sample(2, 3);
    }

    /** {@code problems} file problems on the yes/no benchmark; {@code predictions} per loglik score. */
    static EvalReport sample(int problems, int predictions) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("vlmd", "0.1.0-SNAPSHOT");
        versions.put("djl", "0.33.0");
        versions.put("java", "25");
        EvalSettings settings = new EvalSettings(List.of(ScoringMode.LOGLIK, ScoringMode.GENERATE), 30, false, 0, 8,
                "bf16", "cuda:0");
        List<ModelInfo> models = List.of(
                new ModelInfo(STUDENT, "/models/student-256m", "idefics3", 256_484_000L, "bf16"),
                new ModelInfo(TEACHER, "/models/teacher-2b", "idefics3", 2_246_272_880L, "bf16"));

        List<BenchProblem> yesNoProblems = new ArrayList<>();
        for (int i = 0; i < problems; i++) {
            yesNoProblems.add(new BenchProblem(40 + i, "p" + i, "pope.tsv row " + (42 + i), "no_answer",
                    "answer column empty | row " + i));
        }
        List<BenchmarkInfo> benchmarks = List.of(
                new BenchmarkInfo(MCQ, "/data/shapes_mcq.tsv", "ab".repeat(32), BenchmarkKind.MULTIPLE_CHOICE, 32, 30,
                        0.25, List.of(
                        new BenchProblem(-1, "shapes_mcq.tsv row 7", "shapes_mcq.tsv row 7", "malformed_row",
                                "3 fields, expected 8"),
                        new BenchProblem(12, "q12", "shapes_mcq.tsv row 14", "answer_not_an_option",
                                "answer 'E' but options are A-D"))),
                // NaN rather than yes/no's 0.5, so the round trip and both views meet an undefined chance.
                new BenchmarkInfo(YES_NO, "/data/pope_mini.tsv", "cd".repeat(32), BenchmarkKind.YES_NO,
                        20 + problems, 20, Double.NaN, yesNoProblems));

        List<BenchmarkScore> scores = List.of(
                mcq(STUDENT, ScoringMode.LOGLIK, 22, predictions),
                mcq(TEACHER, ScoringMode.LOGLIK, 27, predictions),
                mcq(STUDENT, ScoringMode.GENERATE, 18, 0),
                new BenchmarkScore(TEACHER, MCQ, ScoringMode.GENERATE, List.of(new Metric("accuracy", 26 / 29.0, 29)),
                        Map.of(), List.of(), List.of(new BenchProblem(5, "q5", "shapes_mcq.tsv row 7",
                        "prompt_too_long", "2100 tokens > 2048")), 12.5, 29 / 12.5),
                yesNo(STUDENT, 0.55, Double.NaN),
                yesNo(TEACHER, 0.85, 0.9));

        List<AgreementScore> agreements = List.of(new AgreementScore(TEACHER, STUDENT, MCQ, 29, 58, 0.8276, 0.3141,
                List.of(new BenchProblem(3, "q3", "shapes_mcq.tsv row 5", "answer_too_long", "over 32 tokens"))));
        return new EvalReport(Instant.parse("2025-06-01T12:34:56.123456789Z"), versions, settings, models, benchmarks,
                scores, agreements);
    }

    private static BenchmarkScore mcq(String model, ScoringMode mode, int right, int predictions) {
        Map<String, List<Metric>> byCategory = new LinkedHashMap<>();
        byCategory.put("color|shade", List.of(new Metric("accuracy", (right / 2) / 15.0, 15)));
        byCategory.put("count", List.of(new Metric("accuracy", (right - right / 2) / 15.0, 15)));
        List<Prediction> ps = new ArrayList<>();
        for (int i = 0; i < predictions; i++) {
            String output = switch (i % 3) {
                case 0 -> TRICKY;
                case 1 -> "a|b";
                default -> "B";
            };
            ps.add(new Prediction(i, "q" + i, i % 2 == 0 ? "color|shade" : "count", mode, output,
                    i % 3 == 1 ? null : "B", i % 3 == 1 ? "unanswered" : "loglik", i % 3 == 2 ? 1 : 0, i % 3 == 2,
                    List.of("B"), List.of(-1.5, Double.NEGATIVE_INFINITY, -0.25 * i, -7.0)));
        }
        return new BenchmarkScore(model, MCQ, mode, List.of(new Metric("accuracy", right / 30.0, 30)), byCategory, ps,
                List.of(), 4.0, 7.5);
    }

    private static BenchmarkScore yesNo(String model, double accuracy, double precision) {
        Map<String, List<Metric>> byCategory = new LinkedHashMap<>();
        byCategory.put("adversarial", List.of(new Metric("accuracy", accuracy - 0.05, 10)));
        byCategory.put("random", List.of(new Metric("accuracy", accuracy + 0.05, 10)));
        List<Prediction> ps = List.of(new Prediction(0, "y0", "random", ScoringMode.GENERATE, "Yes, there is.\nA dog.",
                "yes", "prefix", 1, true, List.of("yes"), List.of()));
        return new BenchmarkScore(model, YES_NO, ScoringMode.GENERATE, List.of(new Metric("accuracy", accuracy, 20),
                new Metric("precision", precision, 0), new Metric("yes_ratio", 0.4, 20)), byCategory, ps, List.of(),
                0.0, Double.POSITIVE_INFINITY);
    }

    static EvalReport empty() {
        return new EvalReport(Instant.EPOCH, Map.of(), new EvalSettings(List.of(ScoringMode.GENERATE), 0, false, 0, 1,
                null, null), List.of(), List.of(), List.of(), List.of());
    }
}
