package org.vlmdistill.eval.report;

import org.vlmdistill.eval.bench.BenchProblem;
import org.vlmdistill.eval.result.AgreementScore;
import org.vlmdistill.eval.result.BenchmarkInfo;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.eval.result.EvalSettings;
import org.vlmdistill.eval.result.Metric;
import org.vlmdistill.eval.result.ModelInfo;
import org.vlmdistill.eval.result.ScoringMode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The report's tables as plain text cells, computed once from an {@link EvalReport}; the Markdown and
 * HTML renderers differ only in how they escape and lay out these cells, so both views show the same
 * numbers.
 */
final class ReportTables {
    /** What the agreement table shows, said once for both views. */
    static final String AGREEMENT_EXPLAINED = "Teacher-forced on the reference answers: at each answer token, whether "
            + "both models' most likely next token is the same, and KL(reference || model) of their next-token "
            + "distributions.";

    /**
     * A table of unescaped cells. {@code align} has one letter per column, {@code l} (text) or
     * {@code r} (numbers).
     */
    record Table(List<String> header, String align, List<List<String>> rows) {
        Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            if (align.length() != header.size()) {
                throw new IllegalArgumentException("align " + align + " for " + header.size() + " columns");
            }
        }
    }

    /** One row of the main table: a benchmark scored in one mode. */
    record Row(String benchmark, ScoringMode mode) {
        String label() {
            return benchmark + " (" + mode.label() + ")";
        }
    }

    private final EvalReport report;
    private final List<String> models;
    private final List<String> benchmarks;
    private final Map<String, BenchmarkInfo> infos = new HashMap<>();
    private final Map<Row, Map<String, BenchmarkScore>> scores = new HashMap<>();
    private final List<Row> rows = new ArrayList<>();

    ReportTables(EvalReport report) {
        this.report = report;
        // Models and benchmarks in the report's order; a score naming one the lists lack is still shown.
        Set<String> m = new LinkedHashSet<>();
        report.models().forEach(x -> m.add(x.name()));
        report.scores().forEach(s -> m.add(s.model()));
        this.models = List.copyOf(m);
        Set<String> b = new LinkedHashSet<>();
        report.benchmarks().forEach(x -> {
            b.add(x.name());
            infos.putIfAbsent(x.name(), x);
        });
        report.scores().forEach(s -> b.add(s.benchmark()));
        report.agreements().forEach(a -> b.add(a.benchmark()));
        this.benchmarks = List.copyOf(b);
        for (BenchmarkScore s : report.scores()) {
            scores.computeIfAbsent(new Row(s.benchmark(), s.mode()), k -> new HashMap<>()).putIfAbsent(s.model(), s);
        }
        // Modes in the order the run asked for them, then any other.
        Set<ScoringMode> modeOrder = new LinkedHashSet<>(report.settings().modes());
        modeOrder.addAll(List.of(ScoringMode.values()));
        for (String bench : benchmarks) {
            for (ScoringMode mode : modeOrder) {
                Row row = new Row(bench, mode);
                if (scores.containsKey(row)) {
                    rows.add(row);
                }
            }
        }
    }

    List<String> modelNames() {
        return models;
    }

    List<String> benchmarkNames() {
        return benchmarks;
    }

    Optional<BenchmarkInfo> info(String benchmark) {
        return Optional.ofNullable(infos.get(benchmark));
    }

    /** Main-table rows (benchmark x mode with at least one score), benchmarks in order, then modes. */
    List<Row> rows() {
        return rows;
    }

    List<Row> rows(String benchmark) {
        return rows.stream().filter(r -> r.benchmark().equals(benchmark)).toList();
    }

    Optional<BenchmarkScore> score(String model, Row row) {
        return Optional.ofNullable(scores.getOrDefault(row, Map.of()).get(model));
    }

    /** The row's headline metric name: the first score's, as every model is scored by the same rule. */
    String headlineName(Row row) {
        for (String model : models) {
            Optional<BenchmarkScore> s = score(model, row);
            if (s.isPresent()) {
                return s.get().headline().name();
            }
        }
        throw new IllegalStateException("row without scores: " + row);
    }

    /** In the unit of the benchmark's headline (percent unless it was scored in points). */
    private String chance(BenchmarkInfo b) {
        List<Row> benchRows = rows(b.name());
        return benchRows.isEmpty() ? Format.percent(b.chance()) : chance(benchRows.getFirst());
    }

    /** Chance in the unit of the row's headline, or {@link Format#MISSING} where undefined. */
    String chance(Row row) {
        return info(row.benchmark()).map(i -> Format.value(headlineName(row), i.chance())).orElse(Format.MISSING);
    }

    String provenanceLine() {
        String versions = report.versions().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        return "Created " + report.created() + (versions.isEmpty() ? "" : "; " + versions) + ".";
    }

    String settingsLine() {
        EvalSettings s = report.settings();
        return "Settings: modes " + s.modes().stream().map(ScoringMode::label).collect(Collectors.joining(", "))
                + "; limit " + (s.limit() == 0 ? "none" : s.limit() + " items per benchmark")
                + "; circular evaluation " + (s.circular() ? "on" : "off")
                + "; max new tokens " + (s.maxNewTokens() == 0 ? "per benchmark kind" : s.maxNewTokens())
                + "; batch size " + s.batchSize()
                + "; compute dtype " + Objects.requireNonNullElse(s.computeDType(), "not recorded")
                + " on " + Objects.requireNonNullElse(s.device(), "a device not recorded") + ".";
    }

    Table modelTable() {
        List<List<String>> out = new ArrayList<>();
        for (ModelInfo m : report.models()) {
            out.add(List.of(m.name(), m.modelType(), Format.count(m.parameters()), m.dtype(), m.path()));
        }
        return new Table(List.of("model", "type", "parameters", "dtype", "path"), "llrll", out);
    }

    Table benchmarkTable() {
        List<List<String>> out = new ArrayList<>();
        for (BenchmarkInfo b : report.benchmarks()) {
            out.add(List.of(b.name(), b.kind().label(), Integer.toString(b.items()), Integer.toString(b.records()),
                    Integer.toString(b.problems().size()), chance(b),
                    b.sha256().substring(0, Math.min(12, b.sha256().length())), b.path()));
        }
        return new Table(List.of("benchmark", "kind", "items", "records", "problems", "chance", "sha256 (first 12)",
                "path"), "llrrrrll", out);
    }

    /** The one results table: rows benchmark x mode, a column per model, then chance. */
    Table mainTable() {
        List<String> header = new ArrayList<>();
        header.add("benchmark (mode)");
        header.add("metric");
        header.addAll(models);
        header.add("chance");
        List<List<String>> out = new ArrayList<>();
        for (Row row : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(row.label());
            cells.add(headlineName(row));
            for (String model : models) {
                cells.add(score(model, row).map(s -> Format.metric(s.headline())).orElse(Format.MISSING));
            }
            cells.add(chance(row));
            out.add(cells);
        }
        return new Table(header, "ll" + "r".repeat(models.size()) + "r", out);
    }

    /**
     * Headline per category of one benchmark: rows categories (first-seen order), a column per model, or
     * per model and mode when the benchmark was scored in several; empty when no score has categories.
     */
    Optional<Table> categoryTable(String benchmark) {
        List<Row> benchRows = rows(benchmark);
        List<String> header = new ArrayList<>();
        header.add("category");
        List<BenchmarkScore> columns = new ArrayList<>();
        for (String model : models) {
            for (Row row : benchRows) {
                Optional<BenchmarkScore> s = score(model, row);
                if (s.isPresent()) {
                    columns.add(s.get());
                    header.add(benchRows.size() == 1 ? model : model + " (" + row.mode().label() + ")");
                }
            }
        }
        Set<String> categories = new LinkedHashSet<>();
        columns.forEach(s -> categories.addAll(s.byCategory().keySet()));
        if (categories.isEmpty()) {
            return Optional.empty();
        }
        List<List<String>> out = new ArrayList<>();
        for (String category : categories) {
            List<String> cells = new ArrayList<>();
            cells.add(category.isEmpty() ? "(none)" : category);
            for (BenchmarkScore s : columns) {
                List<Metric> metrics = s.byCategory().getOrDefault(category, List.of());
                cells.add(metrics.isEmpty() ? Format.MISSING : Format.metric(metrics.getFirst()));
            }
            out.add(cells);
        }
        return Optional.of(new Table(header, "l" + "r".repeat(columns.size()), out));
    }

    /** Teacher-forced agreement of each model with the reference; empty rows when none was measured. */
    Table agreementTable() {
        List<List<String>> out = new ArrayList<>();
        for (AgreementScore a : report.agreements()) {
            out.add(List.of(a.benchmark(), a.model(), a.reference(), Integer.toString(a.items()), Long.toString(a.tokens()),
                    Format.percent(a.top1Agreement()), Format.decimal(a.meanKl(), 4)));
        }
        return new Table(List.of("benchmark", "model", "reference", "items", "tokens", "top-1 agreement",
                "mean KL(reference || model), nats"), "lllrrrr", out);
    }

    /** Wall time and throughput, same grid as the main table. */
    Table timingTable() {
        List<String> header = new ArrayList<>();
        header.add("benchmark (mode)");
        header.addAll(models);
        List<List<String>> out = new ArrayList<>();
        for (Row row : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(row.label());
            for (String model : models) {
                cells.add(score(model, row).map(s -> Format.decimal(s.seconds(), 1) + " s"
                        + (Double.isFinite(s.itemsPerSecond()) ? ", " + Format.decimal(s.itemsPerSecond(), 2)
                        + " items/s" : "")).orElse(Format.MISSING));
            }
            out.add(cells);
        }
        return new Table(header, "l" + "r".repeat(models.size()), out);
    }

    /** Problems listed per benchmark at most, in both views; the rest are counted (all are in results.json). */
    static final int PROBLEMS_SHOWN = 50;

    static final List<String> PROBLEM_HEADER = List.of("where", "index", "id", "location", "reason", "detail");

    /**
     * Every problem of one benchmark, as rows under {@link #PROBLEM_HEADER}: the file's own (records that
     * are not items), then each score's unscored items, then items the agreement left out.
     */
    List<List<String>> problems(String benchmark) {
        List<List<String>> out = new ArrayList<>();
        info(benchmark).ifPresent(i -> i.problems().forEach(p -> out.add(problemRow("file", p))));
        for (Row row : rows(benchmark)) {
            for (String model : models) {
                score(model, row).ifPresent(s -> s.unscored().forEach(p -> out.add(
                        problemRow(model + " (" + row.mode().label() + ")", p))));
            }
        }
        for (AgreementScore a : report.agreements()) {
            if (a.benchmark().equals(benchmark)) {
                a.problems().forEach(p -> out.add(problemRow("agreement " + a.model() + " vs " + a.reference(), p)));
            }
        }
        return out;
    }

    private static List<String> problemRow(String where, BenchProblem p) {
        return List.of(where, p.index() < 0 ? Format.MISSING : Integer.toString(p.index()), p.id(), p.location(),
                p.reason(), p.detail());
    }

    List<BenchmarkScore> scores(String benchmark) {
        List<BenchmarkScore> out = new ArrayList<>();
        for (String model : models) {
            for (Row row : rows(benchmark)) {
                score(model, row).ifPresent(out::add);
            }
        }
        return out;
    }
}
