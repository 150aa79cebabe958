package org.vlmdistill.eval.run;

import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.decoder.generate.GenerationSettings;
import org.vlmdistill.eval.bench.BenchItem;
import org.vlmdistill.eval.bench.BenchProblem;
import org.vlmdistill.eval.bench.Benchmark;
import org.vlmdistill.eval.bench.BenchmarkKind;
import org.vlmdistill.eval.bench.Choice;
import org.vlmdistill.eval.bench.Prompts;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.Metric;
import org.vlmdistill.eval.result.Prediction;
import org.vlmdistill.eval.result.ScoringMode;
import org.vlmdistill.eval.score.CategoryAccuracy;
import org.vlmdistill.eval.score.ChoiceExtraction;
import org.vlmdistill.eval.score.Extraction;
import org.vlmdistill.eval.score.MmeScore;
import org.vlmdistill.eval.score.PopeMetrics;
import org.vlmdistill.eval.score.VqaAnswers;
import org.vlmdistill.eval.score.YesNo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one model on one benchmark in one scoring mode and scores every item by the benchmark kind's rule.
 *
 * <p>Generation: batches of prompts, greedy, at most {@link #maxNewTokens} tokens, then the kind's
 * extraction ({@link ChoiceExtraction}, {@link YesNo}, {@link VqaAnswers}). Log-likelihood (multiple
 * choice and yes/no): each option's text as the answer to the question alone, teacher-forced; the most
 * likely option is the answer.
 *
 * <p>An item this model cannot take (its processor refuses the image, the prompt is over the context
 * length) is listed in {@link BenchmarkScore#unscored()}, and scores say over how many items they are.
 */
public final class Evaluator {
    private final ImageDecoder decoder;
    private final int batchSize;
    private final int maxNewTokens;
    private final boolean circular;
    private final EvalProgress progress;

    /**
     * @param maxNewTokens tokens generated at most, or 0 for the kind's default ({@link #defaultMaxNewTokens})
     * @param circular     MMBench's circular evaluation of multiple choice
     */
    public Evaluator(ImageDecoder decoder, int batchSize, int maxNewTokens, boolean circular, EvalProgress progress) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.decoder = decoder;
        this.batchSize = batchSize;
        this.maxNewTokens = maxNewTokens;
        this.circular = circular;
        this.progress = progress;
    }

    /**
     * Answers are short: a letter, yes or no, a word or phrase; Shapes' descriptions ("a red circle and
     * a blue square and ...") are the longest at about 20 tokens.
     */
    public static int defaultMaxNewTokens(BenchmarkKind kind) {
        return switch (kind) {
            case MULTIPLE_CHOICE, OPEN -> 16;
            case YES_NO -> 8;
            case EXACT -> 32;
        };
    }

    /** Whether {@code mode} applies to {@code kind}: log-likelihood needs options to compare. */
    public static boolean applies(ScoringMode mode, BenchmarkKind kind) {
        return mode == ScoringMode.GENERATE || kind == BenchmarkKind.MULTIPLE_CHOICE || kind == BenchmarkKind.YES_NO;
    }

    public BenchmarkScore run(EvalModel model, String modelName, Benchmark bench, ScoringMode mode) {
        if (!applies(mode, bench.kind())) {
            throw new IllegalArgumentException(mode.label() + " does not apply to " + bench.kind().label()
                    + " benchmark " + bench.name());
        }
        int tasks = taskCount(bench);
        progress.start(modelName + " / " + bench.name() + " (" + mode.label() + ")", tasks);
        BenchmarkScore result = score(modelName, bench, mode, List.of(predict(model, bench, mode, 0, tasks)));
        Metric h = result.headline();
        progress.finish(String.format(Locale.ROOT, "%s %.4f over %d", h.name(), h.value(), h.over()));
        return result;
    }

    /**
     * What a model answered for tasks {@code [from, to)} of a benchmark in a mode: one part of {@link #run},
     * which a distributed job computes on several machines and {@link #score}s together.
     *
     * @param scored      the tasks scored, ascending; {@code predictions.get(i)} answers {@code scored[i]}
     * @param unscored    the tasks this model cannot take, with the reason
     * @param seconds     the part's wall time
     */
    public record Part(int from, int to, int[] scored, List<Prediction> predictions, List<BenchProblem> unscored,
                       double seconds) {
        public Part {
            scored = scored.clone();
            predictions = List.copyOf(predictions);
            unscored = List.copyOf(unscored);
            if (scored.length != predictions.size()) {
                throw new IllegalArgumentException(scored.length + " tasks scored, " + predictions.size()
                        + " predictions");
            }
        }

        @Override
        public int[] scored() {
            return scored.clone();
        }
    }

    /**
     * How many tasks {@code bench} makes: an item each, or each rotation of a multiple-choice item's options
     * under circular evaluation.
     */
    public int taskCount(Benchmark bench) {
        return tasks(bench).size();
    }

    /**
     * Tasks {@code [from, to)} in batches of {@link #batchSize} from {@code from} (a part that starts at a
     * multiple of the batch size batches exactly as the whole run does), advancing the progress by each batch.
     */
    public Part predict(EvalModel model, Benchmark bench, ScoringMode mode, int from, int to) {
        if (!applies(mode, bench.kind())) {
            throw new IllegalArgumentException(mode.label() + " does not apply to " + bench.kind().label()
                    + " benchmark " + bench.name());
        }
        List<Task> tasks = tasks(bench);
        if (from < 0 || to > tasks.size() || from > to) {
            throw new IndexOutOfBoundsException("tasks [" + from + ", " + to + ") of " + tasks.size());
        }
        List<Prediction> predictions = new ArrayList<>(to - from);
        List<Integer> scored = new ArrayList<>(to - from);
        List<BenchProblem> unscored = new ArrayList<>();
        int limit = maxNewTokens > 0 ? maxNewTokens : defaultMaxNewTokens(bench.kind());
        long start = System.nanoTime();
        for (int b = from; b < to; b += batchSize) {
            List<Task> batch = tasks.subList(b, Math.min(to, b + batchSize));
            List<Task> ready = new ArrayList<>(batch.size());
            List<Integer> readyIndex = new ArrayList<>(batch.size());
            List<List<ModelInput>> inputs = new ArrayList<>(batch.size());
            for (int k = 0; k < batch.size(); k++) {
                Task t = batch.get(k);
                try {
                    inputs.add(inputs(model, bench.kind(), mode, t, limit));
                    ready.add(t);
                    readyIndex.add(b + k);
                } catch (Unscorable | RuntimeException e) {
                    unscored.add(new BenchProblem(t.item().index(), t.id(), t.item().provenance().toString(),
                            e instanceof Unscorable u ? u.reason : "model_cannot_take_item",
                            String.valueOf(e.getMessage())));
                }
            }
            if (!ready.isEmpty()) {
                List<Prediction> got = mode == ScoringMode.GENERATE
                        ? generate(model, bench.kind(), ready, inputs, limit)
                        : loglik(model, ready, inputs);
                predictions.addAll(got);
                scored.addAll(readyIndex);
            }
            progress.advance(batch.size());
        }
        return new Part(from, to, scored.stream().mapToInt(Integer::intValue).toArray(), predictions, unscored,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * The benchmark's score from parts covering all its tasks, in task order ({@link #predict}): the
     * predictions and problems in that order, the kind's metrics over every scored task, the parts' summed
     * time.
     */
    public BenchmarkScore score(String modelName, Benchmark bench, ScoringMode mode, List<Part> parts) {
        List<Task> tasks = tasks(bench);
        List<Prediction> predictions = new ArrayList<>(tasks.size());
        List<Task> scored = new ArrayList<>(tasks.size());
        List<BenchProblem> unscored = new ArrayList<>();
        double seconds = 0;
        int next = 0;
        for (Part p : parts) {
            if (p.from() != next) {
                throw new IllegalArgumentException(bench.name() + ": a part starts at task " + p.from()
                        + ", the parts before it end at " + next);
            }
            for (int i : p.scored) {
                if (i < p.from() || i >= p.to()) {
                    throw new IllegalArgumentException("task " + i + " outside its part [" + p.from() + ", "
                            + p.to() + ")");
                }
                scored.add(tasks.get(i));
            }
            predictions.addAll(p.predictions());
            unscored.addAll(p.unscored());
            seconds += p.seconds();
            next = p.to();
        }
        if (next != tasks.size()) {
            throw new IllegalArgumentException(bench.name() + ": parts cover tasks [0, " + next + ") of "
                    + tasks.size());
        }
        Scores s = scores(bench.kind(), mode, scored, predictions);
        return new BenchmarkScore(modelName, bench.name(), mode, s.metrics, s.byCategory, predictions, unscored,
                seconds, seconds > 0 ? scored.size() / seconds : 0);
    }

    private List<Task> tasks(Benchmark bench) {
        boolean fileCopies = bench.items().stream().anyMatch(i -> i.group() != i.index());
        List<Task> out = new ArrayList<>();
        for (BenchItem item : bench.items()) {
            if (bench.kind() == BenchmarkKind.MULTIPLE_CHOICE && circular && !fileCopies) {
                out.addAll(Task.rotations(item));
            } else {
                boolean primary = !fileCopies || item.id().strip().equals(Long.toString(item.group()));
                out.add(Task.of(item, primary));
            }
        }
        return out;
    }

    /** One row for generation; the options' rows for log-likelihood, all showing the item's images once processed. */
    private List<ModelInput> inputs(EvalModel model, BenchmarkKind kind, ScoringMode mode, Task t, int limit)
            throws Unscorable {
        ConversationImages images;
        try {
            images = ConversationImages.decode(t.item().images(), decoder);
        } catch (IOException e) {
            throw new Unscorable("unreadable_image", e.getMessage());
        }
        BenchItem asked = t.asked();
        int context = model.textConfig().maxPositionEmbeddings();
        if (mode == ScoringMode.GENERATE) {
            ModelInput in = model.samples().prompt(conversation(t, new Turn(Role.USER, Prompts.generation(asked, kind))),
                    images);
            in.pixelValues(); // processed now, so an image the processor refuses is this item's problem
            if (context > 0 && in.length() + limit > context) {
                throw new Unscorable("too_long", in.length() + " prompt tokens + " + limit
                        + " new ones exceed max_position_embeddings " + context);
            }
            return List.of(in);
        }
        List<ModelInput> rows = new ArrayList<>();
        for (String answer : Prompts.continuations(asked, kind)) {
            ModelInput row = model.samples().input(conversation(t, new Turn(Role.USER, Prompts.cloze(asked)),
                    new Turn(Role.ASSISTANT, answer)), images);
            row.pixelValues();
            rows.add(row);
        }
        return rows;
    }

    private static Conversation conversation(Task t, Turn... turns) {
        return new Conversation(t.id(), List.of(turns), t.item().provenance());
    }

    private List<Prediction> generate(EvalModel model, BenchmarkKind kind, List<Task> tasks,
                                      List<List<ModelInput>> inputs, int limit) {
        GenerationSettings settings = model.greedy(limit);
        List<Generation> out = model.generate(inputs.stream().map(List::getFirst).toList(), settings);
        List<Prediction> predictions = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            predictions.add(scoreText(kind, tasks.get(i), model.decode(out.get(i).tokens())));
        }
        return predictions;
    }

    static Prediction scoreText(BenchmarkKind kind, Task t, String output) {
        BenchItem item = t.item();
        return switch (kind) {
            case MULTIPLE_CHOICE -> {
                Extraction e = ChoiceExtraction.extract(output, t.choices());
                boolean right = t.answer().equals(e.answer());
                yield prediction(t, ScoringMode.GENERATE, output, e.answer(), e.rule(), right ? 1 : 0, right,
                        List.of(t.answer()), List.of());
            }
            case YES_NO -> {
                Extraction e = YesNo.parse(output);
                boolean right = e.answer() != null && e.answer().equalsIgnoreCase(t.answer());
                yield prediction(t, ScoringMode.GENERATE, output, e.answer(), e.rule(), right ? 1 : 0, right,
                        item.references(), List.of());
            }
            case OPEN, EXACT -> {
                double score = VqaAnswers.accuracy(output, item.references());
                String rule = item.references().size() == 10 ? "vqa" : "exact_match";
                yield prediction(t, ScoringMode.GENERATE, output, VqaAnswers.normalize(output), rule, score,
                        score > 0, item.references(), List.of());
            }
        };
    }

    private List<Prediction> loglik(EvalModel model, List<Task> tasks, List<List<ModelInput>> inputs) {
        List<ModelInput> rows = inputs.stream().flatMap(List::stream).toList();
        double[] ll = model.answerLogLikelihoods(rows);
        List<Prediction> predictions = new ArrayList<>(tasks.size());
        int at = 0;
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            int n = inputs.get(i).size();
            List<Double> scores = new ArrayList<>(n);
            int best = 0;
            for (int k = 0; k < n; k++) {
                scores.add(ll[at + k]);
                if (ll[at + k] > ll[at + best]) {
                    best = k;
                }
            }
            at += n;
            String chosen;
            String text;
            if (t.choices().isEmpty()) { // yes/no: the continuations are yes, no
                chosen = best == 0 ? "yes" : "no";
                text = chosen;
            } else {
                Choice c = t.choices().get(best);
                chosen = c.letter();
                text = c.text();
            }
            boolean right = chosen.equalsIgnoreCase(t.answer());
            predictions.add(prediction(t, ScoringMode.LOGLIK, text, chosen, "loglik", right ? 1 : 0, right,
                    List.of(t.answer()), scores));
        }
        return predictions;
    }

    private static Prediction prediction(Task t, ScoringMode mode, String output, String extracted, String rule,
                                         double score, boolean correct, List<String> refs, List<Double> ll) {
        return new Prediction(t.item().index(), t.id(), t.item().category(), mode, output, extracted, rule, score,
                correct, refs, ll);
    }

    private record Scores(List<Metric> metrics, Map<String, List<Metric>> byCategory) {}

    /** The kind's metrics over the scored tasks; the first is the headline. */
    private Scores scores(BenchmarkKind kind, ScoringMode mode, List<Task> tasks, List<Prediction> predictions) {
        List<Metric> metrics = new ArrayList<>();
        Map<String, List<Metric>> byCategory = new LinkedHashMap<>();
        List<Double> scores = predictions.stream().map(Prediction::score).toList();
        List<String> categories = predictions.stream().map(Prediction::category).toList();
        switch (kind) {
            case MULTIPLE_CHOICE -> {
                List<Double> primary = new ArrayList<>();
                List<String> primaryCategories = new ArrayList<>();
                Map<Long, Boolean> groups = new LinkedHashMap<>();
                Map<Long, String> groupCategory = new HashMap<>();
                for (int i = 0; i < tasks.size(); i++) {
                    Task t = tasks.get(i);
                    if (t.primary()) {
                        primary.add(scores.get(i));
                        primaryCategories.add(categories.get(i));
                    }
                    groups.merge(t.item().group(), predictions.get(i).correct(), Boolean::logicalAnd);
                    groupCategory.putIfAbsent(t.item().group(), t.item().category());
                }
                Metric accuracy = CategoryAccuracy.overall("accuracy", primary);
                Map<String, Metric> perCategory = CategoryAccuracy.byCategory("accuracy", primaryCategories, primary);
                if (circular) {
                    List<Double> g = groups.values().stream().map(b -> b ? 1.0 : 0.0).toList();
                    List<String> gc = groups.keySet().stream().map(groupCategory::get).toList();
                    metrics.add(CategoryAccuracy.overall("circular_accuracy", g));
                    metrics.add(accuracy);
                    Map<String, Metric> circ = CategoryAccuracy.byCategory("circular_accuracy", gc, g);
                    circ.forEach((c, m) -> byCategory.computeIfAbsent(c, k -> new ArrayList<>()).add(m));
                } else {
                    metrics.add(accuracy);
                }
                perCategory.forEach((c, m) -> byCategory.computeIfAbsent(c, k -> new ArrayList<>()).add(m));
                if (mode == ScoringMode.GENERATE) {
                    List<Double> answered = predictions.stream()
                            .map(p -> p.extracted() != null && !p.rule().equals("refused") ? 1.0 : 0.0).toList();
                    metrics.add(CategoryAccuracy.overall("answered", answered));
                }
            }
            case YES_NO -> {
                List<String> predicted = predictions.stream()
                        .map(p -> p.extracted() == null ? null : p.extracted().toLowerCase(Locale.ROOT)).toList();
                List<String> gold = tasks.stream().map(t -> t.answer().toLowerCase(Locale.ROOT)).toList();
                PopeMetrics pope = PopeMetrics.of(predicted, gold);
                metrics.add(new Metric("accuracy", pope.accuracy(), pope.over()));
                metrics.add(new Metric("precision", pope.precision(), pope.over()));
                metrics.add(new Metric("recall", pope.recall(), pope.over()));
                metrics.add(new Metric("f1", pope.f1(), pope.over()));
                metrics.add(new Metric("yes_ratio", pope.yesRatio(), pope.over()));
                CategoryAccuracy.byCategory("accuracy", categories, scores)
                        .forEach((c, m) -> byCategory.computeIfAbsent(c, k -> new ArrayList<>()).add(m));
                Map<String, Integer> perImage = new HashMap<>();
                tasks.forEach(t -> perImage.merge(t.item().imageKey(), 1, Integer::sum));
                if (perImage.values().stream().anyMatch(n -> n >= 2)) { // MME's pairs: two questions per image
                    List<MmeScore.Item> items = new ArrayList<>();
                    for (int i = 0; i < tasks.size(); i++) {
                        items.add(new MmeScore.Item(categories.get(i), tasks.get(i).item().imageKey(),
                                predictions.get(i).correct()));
                    }
                    MmeScore mme = MmeScore.of(items);
                    metrics.add(new Metric("mme_score", mme.total(), items.size()));
                    mme.score().forEach((c, v) -> byCategory.computeIfAbsent(c, k -> new ArrayList<>())
                            .add(new Metric("mme_score", v, (int) categories.stream().filter(c::equals).count())));
                }
            }
            case OPEN, EXACT -> {
                String name = kind == BenchmarkKind.OPEN ? "vqa_accuracy" : "accuracy";
                metrics.add(CategoryAccuracy.overall(name, scores));
                CategoryAccuracy.byCategory(name, categories, scores)
                        .forEach((c, m) -> byCategory.computeIfAbsent(c, k -> new ArrayList<>()).add(m));
            }
        }
        return new Scores(metrics, byCategory);
    }

    /** An item this model cannot be asked, and why. */
    static final class Unscorable extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        Unscorable(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }
}
