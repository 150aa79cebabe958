package org.vlmdistill.distill.train;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.distill.config.NumberRange;
import org.vlmdistill.distill.loss.LossConfig;
import org.vlmdistill.distill.schedule.Schedule;
import org.vlmdistill.distill.schedule.Schedules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A distillation run as {@code vlmd distill --config run.json} reads it. Every field, its default and
 * its meaning is in the README ("Run config"); unknown fields and duplicate keys are errors, and a
 * config with several problems reports all of them at once ({@link RunConfigException}). Every number
 * is checked here, against the range below (schedules' and losses' in {@link Schedules} and
 * {@link LossConfig}), before anything loads; non-finite numbers ({@code 1e999}) are never in range.
 * Relative paths are resolved against the config file's directory.
 *
 * @param student       the student's initial model directory (HF layout)
 * @param teacher       the teacher's model directory; empty only for SFT
 * @param teacherCache  a cache written by {@code vlmd teacher-logits}, read instead of running the teacher
 * @param data          data files (LLaVA JSON/JSONL, VLMEvalKit TSV, WebDataset tar; brace patterns allowed)
 * @param imageRoot     the directory image paths are relative to; empty for each data file's own
 * @param output        the run directory: config.json, provenance.json, metrics.jsonl, checkpoints/, plots/
 * @param maxSteps      optimizer steps; 0 means {@code epochs} worth
 * @param gradientAccumulationSteps micro-batches per optimizer step
 * @param freeze        component names ({@code vision}, {@code connector}, {@code text}, {@code lm_head})
 *                      or globs over HF parameter names ({@code model.vision_model.*}) kept frozen
 * @param maxSkippedShare the largest share of the data's records that may be skipped (unreadable, a bad
 *                      image, a failing template, too long) before the run refuses to start
 * @param compute       ComputePolicy switches: {@code device}, {@code dtype}, {@code ops}
 * @param activationCheckpointing {@code compute.activation_checkpointing}: recompute each tower and decoder
 *                      layer of the student in the backward instead of keeping its activations (less memory,
 *                      one more forward of the layers; see ActivationCheckpoints)
 */
public record RunConfig(Path source, Path student, Optional<Path> teacher, Optional<Path> teacherCache, List<String> data,
                        Optional<Path> imageRoot, Path output, long seed, int epochs, long maxSteps, int batchSize,
                        int gradientAccumulationSteps, int maxTokens, LossConfig loss, Optimizer optimizer,
                        List<String> freeze, Checkpointing checkpoint, int maxBadSteps, double maxSkippedShare,
                        int prefetch, Map<String, String> compute, boolean activationCheckpointing) {

    /** AdamW's settings; {@code lr} follows its schedule. */
    public record Optimizer(Schedule lr, double beta1, double beta2, double eps, double weightDecay,
                            double maxGradNorm) {
    }

    /** @param every optimizer steps between checkpoints, 0 for only the last; @param keep how many to keep */
    public record Checkpointing(long every, int keep) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.ALLOW_COMMENTS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Micro-batches a run may take in all: the data's epochs are counted in an int. */
    public static final long MAX_MICRO_BATCHES = Integer.MAX_VALUE;

    // the ranges of the numbers in the README's table; the loop divides by (1 - beta^t) and by (sqrt(v) + eps)
    private static final NumberRange SEED = NumberRange.closed(Long.MIN_VALUE, Long.MAX_VALUE);
    private static final NumberRange EPOCHS = NumberRange.closed(1, 1_000_000);
    private static final NumberRange MAX_STEPS = NumberRange.closed(0, MAX_MICRO_BATCHES);
    public static final NumberRange BATCH_SIZE = NumberRange.closed(1, 65_536);
    private static final NumberRange ACCUMULATION = NumberRange.closed(1, 65_536);
    public static final NumberRange MAX_TOKENS = NumberRange.closed(8, 1 << 20);
    private static final NumberRange MAX_BAD_STEPS = NumberRange.closed(1, Integer.MAX_VALUE);
    private static final NumberRange MAX_SKIPPED_SHARE = NumberRange.closed(0, 1);
    /** {@code max_skipped_share}'s default: a tenth of the records bad means the data, or its image root, is wrong. */
    public static final double DEFAULT_MAX_SKIPPED_SHARE = 0.1;
    private static final NumberRange PREFETCH = NumberRange.closed(0, 2);
    private static final NumberRange BETA = NumberRange.upTo(0, 1);
    private static final NumberRange EPS = NumberRange.above(0, 1);
    private static final NumberRange WEIGHT_DECAY = NumberRange.atLeast(0);
    private static final NumberRange MAX_GRAD_NORM = NumberRange.atLeast(0);
    private static final NumberRange CHECKPOINT_EVERY = NumberRange.atLeast(0);
    private static final NumberRange CHECKPOINT_KEEP = NumberRange.closed(1, Integer.MAX_VALUE);

    /** Reads and validates {@code file}. */
    public static RunConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new RunConfigException(file, List.of("no such file"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RunConfigException(file, List.of(jsonProblem(e)));
        }
        return parse(root, file);
    }

    /** What is wrong with the file's JSON, led by the path of the field where the parser stopped. */
    private static String jsonProblem(com.fasterxml.jackson.core.JsonProcessingException e) {
        String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
        String path = e.getProcessor() instanceof JsonParser p ? dotted(p.getParsingContext().pathAsPointer().toString())
                : "";
        String at = path.isEmpty() ? "" : path + ": ";
        String message = e.getOriginalMessage();
        if (message.startsWith("Duplicate field")) {
            // the parser's context already holds the repeated name, so the path ends with it
            return at + "duplicate key" + message.substring("Duplicate field".length()) + line
                    + "; each key may appear once";
        }
        if (message.startsWith("Non-standard token") && message.indexOf(':') > 0) {
            return at + "not a JSON number" + message.substring("Non-standard token".length(), message.indexOf(':'))
                    + line + "; numbers must be finite";
        }
        return at + "not valid JSON: " + message + line;
    }

    /** {@code /optimizer/lr} as {@code optimizer.lr}, {@code /data/1} as {@code data[1]}. */
    private static String dotted(String pointer) {
        StringBuilder b = new StringBuilder();
        for (String part : pointer.substring(Math.min(1, pointer.length())).split("/", -1)) {
            if (part.matches("\\d+") && !b.isEmpty()) {
                b.append('[').append(part).append(']');
            } else {
                b.append(b.isEmpty() ? "" : ".").append(part.replace("~1", "/").replace("~0", "~"));
            }
        }
        return b.toString();
    }

    /** Validates {@code root}; paths resolve against {@code file}'s directory. */
    public static RunConfig parse(JsonNode root, Path file) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new RunConfigException(file, List.of("the config must be a JSON object"));
        }
        Path base = Optional.ofNullable(file.toAbsolutePath().getParent()).orElse(Path.of("."));
        Fields f = new Fields(root, "", problems);
        f.known("student", "teacher", "teacher_cache", "data", "image_root", "output", "seed", "epochs", "max_steps",
                "batch_size", "gradient_accumulation_steps", "max_tokens", "loss", "optimizer", "freeze",
                "checkpoint", "max_bad_steps", "max_skipped_share", "prefetch", "compute");
        Path student = f.path("student", base, true).orElse(null);
        Optional<Path> teacher = f.path("teacher", base, false);
        Optional<Path> cache = f.path("teacher_cache", base, false);
        List<String> data = new ArrayList<>();
        JsonNode d = root.get("data");
        if (d == null || d.isNull()) {
            problems.add("data: required (a data file or a list of them)");
        } else if (d.isTextual()) {
            data.add(base.resolve(d.asText()).toString());
        } else if (d.isArray() && !d.isEmpty()) {
            for (int i = 0; i < d.size(); i++) {
                if (d.get(i).isTextual()) {
                    data.add(base.resolve(d.get(i).asText()).toString());
                } else {
                    problems.add("data[" + i + "]: expected a file name, got " + d.get(i));
                }
            }
        } else {
            problems.add("data: expected a file name or a non-empty list of them, got " + d);
        }
        Optional<Path> imageRoot = f.path("image_root", base, false);
        Path output = f.path("output", base, false).orElse(base.resolve("run"));
        long seed = f.integer("seed", 0, SEED);
        int epochs = (int) f.integer("epochs", 1, EPOCHS);
        long maxSteps = f.integer("max_steps", 0, MAX_STEPS);
        int batchSize = (int) f.integer("batch_size", 4, BATCH_SIZE);
        int accumulation = (int) f.integer("gradient_accumulation_steps", 1, ACCUMULATION);
        int maxTokens = (int) f.integer("max_tokens", 2048, MAX_TOKENS);
        int maxBad = (int) f.integer("max_bad_steps", 5, MAX_BAD_STEPS);
        double maxSkippedShare = f.number("max_skipped_share", DEFAULT_MAX_SKIPPED_SHARE, MAX_SKIPPED_SHARE);
        int prefetch = (int) f.integer("prefetch", 1, PREFETCH);
        if (maxSteps * accumulation > MAX_MICRO_BATCHES) {
            problems.add("max_steps: times gradient_accumulation_steps must be <= " + MAX_MICRO_BATCHES
                    + " micro-batches, got " + maxSteps + " x " + accumulation);
        }

        JsonNode lossNode = root.has("loss") ? root.get("loss") : JsonNodeFactory.instance.objectNode().put("name", "taid");
        LossConfig loss = LossConfig.parse(lossNode, "loss", problems);

        Fields o = f.object("optimizer");
        o.known("lr", "beta1", "beta2", "eps", "weight_decay", "max_grad_norm");
        JsonNode lrNode = o.node.has("lr") ? o.node.get("lr")
                : JsonNodeFactory.instance.objectNode().put("type", "cosine").put("peak", 1e-4);
        Schedule lr = Schedules.parse(lrNode, "optimizer.lr", Schedules.LEARNING_RATE, problems);
        Optimizer optimizer = new Optimizer(lr, o.number("beta1", 0.9, BETA), o.number("beta2", 0.999, BETA),
                o.number("eps", 1e-8, EPS), o.number("weight_decay", 0.0, WEIGHT_DECAY),
                o.number("max_grad_norm", 1.0, MAX_GRAD_NORM));

        List<String> freeze = new ArrayList<>();
        JsonNode fr = root.get("freeze");
        if (fr != null && !fr.isNull()) {
            if (!fr.isArray()) {
                problems.add("freeze: expected a list of component names or parameter-name globs, got " + fr);
            } else {
                for (int i = 0; i < fr.size(); i++) {
                    if (fr.get(i).isTextual() && !fr.get(i).asText().isBlank()) {
                        freeze.add(fr.get(i).asText());
                    } else {
                        problems.add("freeze[" + i + "]: expected a non-empty string, got " + fr.get(i));
                    }
                }
            }
        }
        Fields c = f.object("checkpoint");
        c.known("every", "keep");
        Checkpointing checkpoint = new Checkpointing(c.integer("every", 100, CHECKPOINT_EVERY),
                (int) c.integer("keep", 3, CHECKPOINT_KEEP));

        Map<String, String> compute = new LinkedHashMap<>();
        Fields cp = f.object("compute");
        cp.known("device", "dtype", "ops", "activation_checkpointing");
        for (String k : List.of("device", "dtype", "ops")) {
            JsonNode v = cp.node.get(k);
            if (v != null && !v.isNull()) {
                if (v.isTextual()) {
                    compute.put(k, v.asText());
                } else {
                    problems.add("compute." + k + ": expected a string, got " + v);
                }
            }
        }
        boolean activationCheckpointing = false;
        JsonNode ac = cp.node.get("activation_checkpointing");
        if (ac != null && !ac.isNull()) {
            if (ac.isBoolean()) {
                activationCheckpointing = ac.asBoolean();
            } else {
                problems.add("compute.activation_checkpointing: expected true or false, got " + ac);
            }
        }
        // the spelling only: which devices exist is known once the engine loads
        ComputePolicy.problems(compute).forEach(p -> problems.add("compute." + p));
        if (loss != null && loss.needsTeacher() && teacher.isEmpty() && cache.isEmpty()) {
            problems.add("teacher: required for loss '" + loss.name() + "' (or give teacher_cache)");
        }
        if (loss != null && cache.isPresent() && !loss.acceptsTruncatedTeacher()) {
            problems.add("loss.name: '" + loss.name() + "' is infinite where the teacher's probability is 0, so it"
                    + " cannot read a top-k teacher_cache; run the teacher online or pick another loss");
        }
        if (!problems.isEmpty()) {
            throw new RunConfigException(file, problems);
        }
        return new RunConfig(file.toAbsolutePath(), student, teacher, cache, List.copyOf(data), imageRoot, output, seed,
                epochs, maxSteps, batchSize, accumulation, maxTokens, loss, optimizer, List.copyOf(freeze),
                checkpoint, maxBad, maxSkippedShare, prefetch, Map.copyOf(compute), activationCheckpointing);
    }

    /** The config with every default filled in, as the run's {@code config.json} keeps it. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("student", student.toString());
        teacher.ifPresent(t -> n.put("teacher", t.toString()));
        teacherCache.ifPresent(t -> n.put("teacher_cache", t.toString()));
        ArrayNode d = n.putArray("data");
        data.forEach(d::add);
        imageRoot.ifPresent(r -> n.put("image_root", r.toString()));
        n.put("output", output.toString());
        n.put("seed", seed);
        n.put("epochs", epochs);
        n.put("max_steps", maxSteps);
        n.put("batch_size", batchSize);
        n.put("gradient_accumulation_steps", gradientAccumulationSteps);
        n.put("max_tokens", maxTokens);
        n.set("loss", loss.toJson());
        ObjectNode o = n.putObject("optimizer");
        o.set("lr", Schedules.toJson(optimizer.lr()));
        o.put("beta1", optimizer.beta1());
        o.put("beta2", optimizer.beta2());
        o.put("eps", optimizer.eps());
        o.put("weight_decay", optimizer.weightDecay());
        o.put("max_grad_norm", optimizer.maxGradNorm());
        ArrayNode fr = n.putArray("freeze");
        freeze.forEach(fr::add);
        n.putObject("checkpoint").put("every", checkpoint.every()).put("keep", checkpoint.keep());
        n.put("max_bad_steps", maxBadSteps);
        n.put("max_skipped_share", maxSkippedShare);
        n.put("prefetch", prefetch);
        ObjectNode cp = n.putObject("compute");
        compute.forEach(cp::put);
        cp.put("activation_checkpointing", activationCheckpointing);
        return n;
    }

    /** Typed reads of one object's fields, adding problems with their JSON path. */
    private static final class Fields {
        final JsonNode node;
        final String prefix;
        final List<String> problems;

        Fields(JsonNode node, String prefix, List<String> problems) {
            this.node = node;
            this.prefix = prefix;
            this.problems = problems;
        }

        Fields object(String name) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) {
                return new Fields(JsonNodeFactory.instance.objectNode(), prefix + name + ".", problems);
            }
            if (!n.isObject()) {
                problems.add(prefix + name + ": expected an object, got " + n);
                return new Fields(JsonNodeFactory.instance.objectNode(), prefix + name + ".", problems);
            }
            return new Fields(n, prefix + name + ".", problems);
        }

        void known(String... names) {
            List<String> list = List.of(names);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!list.contains(name)) {
                    problems.add(prefix + name + ": unknown field (known: " + String.join(", ", list) + ")");
                }
            }
        }

        Optional<Path> path(String name, Path base, boolean required) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                if (required) {
                    problems.add(prefix + name + ": required");
                }
                return Optional.empty();
            }
            if (!v.isTextual() || v.asText().isBlank()) {
                problems.add(prefix + name + ": expected a path, got " + v);
                return Optional.empty();
            }
            return Optional.of(base.resolve(v.asText()).normalize());
        }

        long integer(String name, long fallback, NumberRange range) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return fallback;
            }
            Long x = range.readWhole(v, prefix + name, problems);
            return x == null ? fallback : x;
        }

        double number(String name, double fallback, NumberRange range) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return fallback;
            }
            Double x = range.read(v, prefix + name, problems);
            return x == null ? fallback : x;
        }
    }
}
