package org.vlmdistill.vlmd.demo;

import org.vlmdistill.eval.result.AgreementScore;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.ModelInfo;
import org.vlmdistill.eval.result.ScoringMode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's table: one row per method (the teacher, the untrained student, then each loss), each
 * column a score over its seeds. Model names follow {@link Demo#runName}: {@code taid-seed2} is the
 * {@code taid} row's seed 2.
 *
 * @param rows    in order: teacher, untrained student, then the losses as the settings list them
 * @param chance  guessing's score per column, NaN where there is none
 */
public record DemoSummary(List<Row> rows, Map<Column, Double> chance) {

    /** The table's columns: three scores, then agreement with the teacher on the open questions. */
    public enum Column {
        OPEN_GENERATE("open questions, exact match (generate)", true),
        MCQ_GENERATE("multiple choice (generate)", true),
        MCQ_LOGLIK("multiple choice (loglik)", true),
        TOP1_AGREEMENT("top-1 agreement with teacher", true),
        KL_TO_TEACHER("mean KL from teacher, nats", false);

        private final String label;
        private final boolean fraction;

        Column(String label, boolean fraction) {
            this.label = label;
            this.fraction = fraction;
        }

        public String label() {
            return label;
        }

        /** Whether values are fractions shown as percent (else plain numbers). */
        public boolean fraction() {
            return fraction;
        }
    }

    /** One column's values over the seeds of a method. */
    public record Cell(List<Double> values) {
        public Cell {
            values = List.copyOf(values);
        }

        public double mean() {
            return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** The sample standard deviation (n - 1); NaN for one value. */
        public double sd() {
            int n = values.size();
            if (n < 2) {
                return Double.NaN;
            }
            double m = mean();
            double ss = values.stream().mapToDouble(v -> (v - m) * (v - m)).sum();
            return Math.sqrt(ss / (n - 1));
        }

        public double min() {
            return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        public double max() {
            return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    /** @param seeds the seeds behind each cell's values, in order (empty for the teacher) */
    public record Row(String method, long parameters, List<Long> seeds, Map<Column, Cell> cells) {
        public Row {
            seeds = List.copyOf(seeds);
            cells = Map.copyOf(cells);
        }

        public Optional<Cell> cell(Column c) {
            return Optional.ofNullable(cells.get(c));
        }
    }

    public static final String TEST = "test";
    public static final String TEST_MCQ = "test_mcq";

    /** The table of {@code report}, for {@code settings}' losses and seeds. */
    public static DemoSummary of(EvalReport report, DemoSettings settings) {
        List<Row> rows = new ArrayList<>();
        rows.add(row(report, Demo.TEACHER, List.of(Demo.TEACHER), List.of()));
        rows.add(row(report, Demo.UNTRAINED, List.of(Demo.UNTRAINED), List.of(settings.seeds().getFirst())));
        for (String loss : settings.losses()) {
            List<String> names = settings.seeds().stream().map(s -> Demo.runName(loss, s)).toList();
            rows.add(row(report, loss, names, settings.seeds()));
        }
        Map<Column, Double> chance = new LinkedHashMap<>();
        double mcqChance = report.benchmarks().stream().filter(b -> b.name().equals(TEST_MCQ)).findFirst()
                .map(b -> b.chance()).orElse(Double.NaN);
        chance.put(Column.OPEN_GENERATE, Double.NaN);
        chance.put(Column.MCQ_GENERATE, mcqChance);
        chance.put(Column.MCQ_LOGLIK, mcqChance);
        return new DemoSummary(List.copyOf(rows), Map.copyOf(chance));
    }

    public Optional<Row> row(String method) {
        return rows.stream().filter(r -> r.method().equals(method)).findFirst();
    }

    private static Row row(EvalReport report, String method, List<String> models, List<Long> seeds) {
        Map<Column, List<Double>> values = new LinkedHashMap<>();
        for (String model : models) {
            score(report, model, TEST, ScoringMode.GENERATE).ifPresent(v -> add(values, Column.OPEN_GENERATE, v));
            score(report, model, TEST_MCQ, ScoringMode.GENERATE).ifPresent(v -> add(values, Column.MCQ_GENERATE, v));
            score(report, model, TEST_MCQ, ScoringMode.LOGLIK).ifPresent(v -> add(values, Column.MCQ_LOGLIK, v));
            agreement(report, model).ifPresent(a -> {
                add(values, Column.TOP1_AGREEMENT, a.top1Agreement());
                add(values, Column.KL_TO_TEACHER, a.meanKl());
            });
        }
        Map<Column, Cell> cells = new LinkedHashMap<>();
        values.forEach((c, v) -> cells.put(c, new Cell(v)));
        long parameters = report.models().stream().filter(m -> m.name().equals(models.getFirst())).findFirst()
                .map(ModelInfo::parameters).orElse(0L);
        return new Row(method, parameters, seeds, cells);
    }

    private static void add(Map<Column, List<Double>> values, Column c, double v) {
        values.computeIfAbsent(c, k -> new ArrayList<>()).add(v);
    }

    private static Optional<Double> score(EvalReport report, String model, String bench, ScoringMode mode) {
        return report.scores().stream().filter(s -> s.model().equals(model) && s.benchmark().equals(bench)
                && s.mode() == mode).findFirst().map(BenchmarkScore::headline).map(m -> m.value());
    }

    private static Optional<AgreementScore> agreement(EvalReport report, String model) {
        return report.agreements().stream().filter(a -> a.model().equals(model) && a.benchmark().equals(TEST))
                .findFirst();
    }
}
