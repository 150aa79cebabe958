package org.vlmdistill.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;
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
import org.vlmdistill.eval.run.Evaluator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code results.json}: an {@link EvalReport} as JSON, and back. The tree is built key by key, so the
 * file format does not follow Java names. Format:
 * <pre>
 * {"created": "2025-06-01T12:00:00Z",            ISO-8601 instant
 *  "versions": {"vlmd": "0.1.0", ...},
 *  "settings": {"modes": ["loglik", "generate"], "limit", "circular", "max_new_tokens", "batch_size",
 *               "compute_dtype", "device"},
 *  "models": [{"name", "path", "model_type", "parameters", "dtype"}],
 *  "benchmarks": [{"name", "path", "sha256", "kind", "records", "items", "chance", "problems": [PROBLEM]}],
 *  "scores": [{"model", "benchmark", "mode", "metrics": [METRIC], "by_category": {"cat": [METRIC]},
 *              "predictions": [{"index", "id", "category", "mode", "output", "extracted", "rule", "score",
 *                               "correct", "references": [..], "log_likelihoods": [..]}],
 *              "unscored": [PROBLEM], "seconds", "items_per_second"}],
 *  "agreements": [{"reference", "model", "benchmark", "items", "tokens", "top1_agreement", "mean_kl",
 *                  "problems": [PROBLEM]}]}
 * METRIC = {"name", "value", "over"}    PROBLEM = {"index", "id", "location", "reason", "detail"}
 * </pre>
 * Enums are written as their labels ({@code multiple_choice}, {@code loglik}). A double that JSON cannot
 * hold as a number (a NaN chance, a -Infinity log-likelihood) is written as the string {@code "NaN"},
 * {@code "Infinity"} or {@code "-Infinity"} (as {@code metrics.jsonl} does; Java's {@code Double.parseDouble}
 * and Python's {@code float} read these spellings); every other double as a number, in the shortest form
 * that reads back to the same value. Only
 * {@code extracted} (nothing extracted), {@code compute_dtype} and {@code device} may be {@code null}.
 */
public final class ResultsJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ResultsJson() {
    }

    /** Writes {@code report} to {@code file} atomically (temp file, fsync, rename). */
    public static void write(EvalReport report, Path file) throws IOException {
        byte[] bytes = mapper().writeValueAsBytes(toTree(report));
        byte[] withNewline = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNewline, 0, bytes.length);
        withNewline[bytes.length] = '\n';
        AtomicFiles.write(file, withNewline, AtomicFiles.Durability.SYNC);
    }

    /** Reads a file {@link #write} wrote; a missing or mistyped field is an error naming its JSON path. */
    public static EvalReport read(Path file) throws IOException {
        JsonNode root;
        try {
            root = mapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not JSON: " + e.getOriginalMessage(), e);
        }
        try {
            return fromTree(root);
        } catch (Malformed e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException | NullPointerException e) {
            // A record constructor refusing a value (a score without metrics, an unknown mode label).
            throw new IOException(file + ": not a valid results file: " + e.getMessage(), e);
        }
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    // ---- writing ---------------------------------------------------------------------------------

    private static ObjectNode toTree(EvalReport r) {
        Objects.requireNonNull(r.created(), "report.created");
        Objects.requireNonNull(r.settings(), "report.settings");
        ObjectNode root = NODES.objectNode();
        root.put("created", r.created().toString());
        ObjectNode versions = root.putObject("versions");
        r.versions().forEach(versions::put);
        EvalSettings s = r.settings();
        ObjectNode settings = root.putObject("settings");
        ArrayNode modes = settings.putArray("modes");
        s.modes().forEach(m -> modes.add(m.label()));
        settings.put("limit", s.limit());
        settings.put("circular", s.circular());
        settings.put("max_new_tokens", s.maxNewTokens());
        settings.put("batch_size", s.batchSize());
        settings.put("compute_dtype", s.computeDType());
        settings.put("device", s.device());
        ArrayNode models = root.putArray("models");
        r.models().forEach(m -> models.add(model(m)));
        ArrayNode benchmarks = root.putArray("benchmarks");
        for (BenchmarkInfo b : r.benchmarks()) {
            ObjectNode o = benchmarks.addObject();
            o.put("name", b.name());
            o.put("path", b.path());
            o.put("sha256", b.sha256());
            o.put("kind", b.kind().label());
            o.put("records", b.records());
            o.put("items", b.items());
            o.set("chance", number(b.chance()));
            o.set("problems", problems(b.problems()));
        }
        ArrayNode scores = root.putArray("scores");
        for (BenchmarkScore sc : r.scores()) {
            ObjectNode o = scores.addObject();
            o.put("model", sc.model());
            o.put("benchmark", sc.benchmark());
            o.put("mode", sc.mode().label());
            o.set("metrics", metrics(sc.metrics()));
            ObjectNode byCategory = o.putObject("by_category");
            sc.byCategory().forEach((category, ms) -> byCategory.set(category, metrics(ms)));
            o.set("predictions", predictions(sc.predictions()));
            o.set("unscored", problems(sc.unscored()));
            o.set("seconds", number(sc.seconds()));
            o.set("items_per_second", number(sc.itemsPerSecond()));
        }
        ArrayNode agreements = root.putArray("agreements");
        for (AgreementScore a : r.agreements()) {
            ObjectNode o = agreements.addObject();
            o.put("reference", a.reference());
            o.put("model", a.model());
            o.put("benchmark", a.benchmark());
            o.put("items", a.items());
            o.put("tokens", a.tokens());
            o.set("top1_agreement", number(a.top1Agreement()));
            o.set("mean_kl", number(a.meanKl()));
            o.set("problems", problems(a.problems()));
        }
        return root;
    }

    private static ArrayNode predictions(List<Prediction> list) {
        ArrayNode predictions = NODES.arrayNode();
        for (Prediction p : list) {
            ObjectNode po = predictions.addObject();
            po.put("index", p.index());
            po.put("id", p.id());
            po.put("category", p.category());
            po.put("mode", p.mode().label());
            po.put("output", p.output());
            po.put("extracted", p.extracted());
            po.put("rule", p.rule());
            po.set("score", number(p.score()));
            po.put("correct", p.correct());
            ArrayNode refs = po.putArray("references");
            p.references().forEach(refs::add);
            ArrayNode lls = po.putArray("log_likelihoods");
            p.logLikelihoods().forEach(ll -> lls.add(number(ll)));
        }
        return predictions;
    }

    private static ObjectNode model(ModelInfo m) {
        ObjectNode o = NODES.objectNode();
        o.put("name", m.name());
        o.put("path", m.path());
        o.put("model_type", m.modelType());
        o.put("parameters", m.parameters());
        o.put("dtype", m.dtype());
        return o;
    }

    // ---- one part of an evaluation (a distributed job's unit), in the same spelling -------------------

    /** A model's answers to one range of a benchmark's tasks ({@link Evaluator#predict}), and the model. */
    public record ModelPart(ModelInfo model, Evaluator.Part part) {
    }

    /**
     * One line of JSON: {@code {"model": MODEL, "from", "to", "scored": [task, ...], "predictions": [..],
     * "unscored": [PROBLEM], "seconds"}}, the objects spelled as in {@code results.json}.
     */
    public static String partToJson(ModelPart p) {
        ObjectNode root = NODES.objectNode();
        root.set("model", model(p.model()));
        root.put("from", p.part().from());
        root.put("to", p.part().to());
        ArrayNode scored = root.putArray("scored");
        for (int i : p.part().scored()) {
            scored.add(i);
        }
        root.set("predictions", predictions(p.part().predictions()));
        root.set("unscored", problems(p.part().unscored()));
        root.set("seconds", number(p.part().seconds()));
        return root.toString();
    }

    /** Reads {@link #partToJson}'s line; a missing or mistyped field is an error naming its JSON path. */
    public static ModelPart partFromJson(String json) throws IOException {
        try {
            Obj root = Obj.object(mapper().readTree(json), "$");
            Obj m = root.object("model");
            List<Integer> scored = new ArrayList<>();
            for (JsonNode n : root.get("scored")) {
                scored.add(n.asInt());
            }
            return new ModelPart(modelInfo(m), new Evaluator.Part(root.integer("from"), root.integer("to"),
                    scored.stream().mapToInt(Integer::intValue).toArray(), predictions(root, "predictions"),
                    problems(root, "unscored"), root.real("seconds")));
        } catch (JsonProcessingException e) {
            throw new IOException("evaluation part: not JSON: " + e.getOriginalMessage(), e);
        } catch (Malformed e) {
            throw new IOException("evaluation part: " + e.getMessage(), e);
        }
    }

    private static JsonNode number(double v) {
        if (Double.isNaN(v)) {
            return NODES.textNode("NaN");
        }
        if (Double.isInfinite(v)) {
            return NODES.textNode(v > 0 ? "Infinity" : "-Infinity");
        }
        return NODES.numberNode(v);
    }

    private static ArrayNode metrics(List<Metric> metrics) {
        ArrayNode a = NODES.arrayNode();
        for (Metric m : metrics) {
            ObjectNode o = a.addObject();
            o.put("name", m.name());
            o.set("value", number(m.value()));
            o.put("over", m.over());
        }
        return a;
    }

    private static ArrayNode problems(List<BenchProblem> problems) {
        ArrayNode a = NODES.arrayNode();
        for (BenchProblem p : problems) {
            ObjectNode o = a.addObject();
            o.put("index", p.index());
            o.put("id", p.id());
            o.put("location", p.location());
            o.put("reason", p.reason());
            o.put("detail", p.detail());
        }
        return a;
    }

    // ---- reading ---------------------------------------------------------------------------------

    /** A field missing or of the wrong type; the message is its JSON path. */
    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    /** A JSON object and where it sits in the file ({@code scores[2].predictions[7]}), for error messages. */
    private record Obj(JsonNode node, String at) {
        JsonNode get(String key) throws Malformed {
            JsonNode v = node.get(key);
            if (v == null) {
                throw new Malformed(at + ": missing '" + key + "'");
            }
            return v;
        }

        Malformed wrong(String key, String expected) {
            return new Malformed(at + "." + key + ": expected " + expected);
        }

        String text(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isTextual()) {
                throw wrong(key, "a string");
            }
            return v.textValue();
        }

        String textOrNull(String key) throws Malformed {
            return get(key).isNull() ? null : text(key);
        }

        int integer(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw wrong(key, "an int");
            }
            return v.intValue();
        }

        long longInteger(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw wrong(key, "a long");
            }
            return v.longValue();
        }

        boolean bool(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isBoolean()) {
                throw wrong(key, "true or false");
            }
            return v.booleanValue();
        }

        double real(String key) throws Malformed {
            return toDouble(get(key), at + "." + key);
        }

        List<Obj> objects(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isArray()) {
                throw wrong(key, "an array");
            }
            List<Obj> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                out.add(object(v.get(i), at + "." + key + "[" + i + "]"));
            }
            return out;
        }

        Obj object(String key) throws Malformed {
            return object(get(key), at + "." + key);
        }

        List<String> texts(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isArray()) {
                throw wrong(key, "an array");
            }
            List<String> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) {
                    throw wrong(key + "[" + i + "]", "a string");
                }
                out.add(v.get(i).textValue());
            }
            return out;
        }

        List<Double> reals(String key) throws Malformed {
            JsonNode v = get(key);
            if (!v.isArray()) {
                throw wrong(key, "an array");
            }
            List<Double> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                out.add(toDouble(v.get(i), at + "." + key + "[" + i + "]"));
            }
            return out;
        }

        static Obj object(JsonNode node, String at) throws Malformed {
            if (node == null || !node.isObject()) {
                throw new Malformed(at + ": expected an object");
            }
            return new Obj(node, at);
        }

        private static double toDouble(JsonNode v, String at) throws Malformed {
            if (v.isNumber()) {
                return v.doubleValue();
            }
            if (v.isTextual()) {
                switch (v.textValue()) {
                    case "NaN" -> {
                        return Double.NaN;
                    }
                    case "Infinity" -> {
                        return Double.POSITIVE_INFINITY;
                    }
                    case "-Infinity" -> {
                        return Double.NEGATIVE_INFINITY;
                    }
                    default -> {
                    }
                }
            }
            throw new Malformed(at + ": expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
        }
    }

    private static EvalReport fromTree(JsonNode json) throws Malformed {
        Obj root = Obj.object(json, "$");
        Instant created;
        try {
            created = Instant.parse(root.text("created"));
        } catch (DateTimeException e) {
            throw new Malformed("$.created: not an ISO-8601 instant: " + e.getMessage());
        }
        Obj versionsObj = root.object("versions");
        Map<String, String> versions = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : versionsObj.node().properties()) {
            versions.put(e.getKey(), versionsObj.text(e.getKey()));
        }
        Obj s = root.object("settings");
        List<ScoringMode> modes = new ArrayList<>();
        for (String label : s.texts("modes")) {
            modes.add(ScoringMode.parse(label));
        }
        EvalSettings settings = new EvalSettings(modes, s.integer("limit"), s.bool("circular"),
                s.integer("max_new_tokens"), s.integer("batch_size"), s.textOrNull("compute_dtype"),
                s.textOrNull("device"));
        List<ModelInfo> models = new ArrayList<>();
        for (Obj m : root.objects("models")) {
            models.add(modelInfo(m));
        }
        List<BenchmarkInfo> benchmarks = new ArrayList<>();
        for (Obj b : root.objects("benchmarks")) {
            benchmarks.add(new BenchmarkInfo(b.text("name"), b.text("path"), b.text("sha256"),
                    BenchmarkKind.parse(b.text("kind")), b.integer("records"), b.integer("items"), b.real("chance"),
                    problems(b, "problems")));
        }
        List<BenchmarkScore> scores = new ArrayList<>();
        for (Obj sc : root.objects("scores")) {
            Obj byCategoryObj = sc.object("by_category");
            Map<String, List<Metric>> byCategory = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : byCategoryObj.node().properties()) {
                byCategory.put(e.getKey(), metrics(byCategoryObj, e.getKey()));
            }
            List<Prediction> predictions = predictions(sc, "predictions");
            scores.add(new BenchmarkScore(sc.text("model"), sc.text("benchmark"), ScoringMode.parse(sc.text("mode")),
                    metrics(sc, "metrics"), byCategory, predictions, problems(sc, "unscored"), sc.real("seconds"),
                    sc.real("items_per_second")));
        }
        List<AgreementScore> agreements = new ArrayList<>();
        for (Obj a : root.objects("agreements")) {
            agreements.add(new AgreementScore(a.text("reference"), a.text("model"), a.text("benchmark"),
                    a.integer("items"), a.longInteger("tokens"), a.real("top1_agreement"), a.real("mean_kl"),
                    problems(a, "problems")));
        }
        return new EvalReport(created, versions, settings, models, benchmarks, scores, agreements);
    }

    private static ModelInfo modelInfo(Obj m) throws Malformed {
        return new ModelInfo(m.text("name"), m.text("path"), m.text("model_type"), m.longInteger("parameters"),
                m.text("dtype"));
    }

    private static List<Prediction> predictions(Obj parent, String key) throws Malformed {
        List<Prediction> predictions = new ArrayList<>();
        for (Obj p : parent.objects(key)) {
            predictions.add(new Prediction(p.integer("index"), p.text("id"), p.text("category"),
                    ScoringMode.parse(p.text("mode")), p.text("output"), p.textOrNull("extracted"), p.text("rule"),
                    p.real("score"), p.bool("correct"), p.texts("references"), p.reals("log_likelihoods")));
        }
        return predictions;
    }

    private static List<Metric> metrics(Obj parent, String key) throws Malformed {
        List<Metric> out = new ArrayList<>();
        for (Obj m : parent.objects(key)) {
            out.add(new Metric(m.text("name"), m.real("value"), m.integer("over")));
        }
        return out;
    }

    private static List<BenchProblem> problems(Obj parent, String key) throws Malformed {
        List<BenchProblem> out = new ArrayList<>();
        for (Obj p : parent.objects(key)) {
            out.add(new BenchProblem(p.integer("index"), p.text("id"), p.text("location"), p.text("reason"),
                    p.text("detail")));
        }
        return out;
    }
}
