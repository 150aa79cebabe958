package org.vlmdistill.vlmd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.Trainer;
import org.vlmdistill.tiny.TinyModels;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole distillation step, timed: a teacher and a student written on the spot, Shapes data, the real
 * trainer (paired batches, alignment, online teacher forward without gradient, student forward and backward,
 * chunked loss, clip, AdamW, metrics). Tokens/s are the student's real tokens per optimizer step over the step's
 * wall time, as metrics.jsonl logs them; the first {@code warmup} steps are left out. The split is the median of
 * each phase metrics.jsonl's {@code phase_seconds} holds.
 *
 * <p>Two pairs: {@link Pair#tiny()}, a tiny Idefics3 teacher and student (the teacher wider and deeper, each
 * expanding an image into its own number of tokens); and {@link Pair#published}, two Idefics3 configs as
 * published (SmolVLM-500M teaching SmolVLM-256M by default) with random weights. A published pair keeps every
 * dimension of its config.json and its image processor (SmolVLM: a Shapes image resized to 2048 and cut into
 * 4 x 4 tiles of 512 plus the global one); the token ids are a word-level tokenizer's, padded with filler words to
 * the config's {@code vocab_size}, so the loss runs over the whole vocabulary (49,280 for SmolVLM). The config's
 * special-token ids ({@code image_token_id}, bos, eos, pad) are set to that tokenizer's.
 */
public final class DistillBench {
    /**
     * One configuration's figures: medians over the timed steps.
     *
     * @param phaseSeconds median seconds of each phase of a step (metrics.jsonl's {@code phase_seconds}), in order
     */
    public record Result(String loss, int batch, long studentParams, long teacherParams, double tokensPerStep,
                         double stepSeconds, double tokensPerSecond, int steps, Map<String, Double> phaseSeconds) {
        /** The phases' medians added up (the median step need not equal it exactly: medians do not add). */
        public double phaseSum() {
            return phaseSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** A teacher and a student: the tiny pair, or two published configs with random weights. */
    public record Pair(ModelDirectory teacher, ModelDirectory student) {
        /** The tiny Idefics3 pair of {@link TinyModels}. */
        public static Pair tiny() {
            return new Pair(null, null);
        }

        public static Pair published(ModelDirectory teacher, ModelDirectory student) {
            return new Pair(teacher, student);
        }

        /** SmolVLM-500M-Instruct teaching SmolVLM-256M-Instruct, the configs shipped with the benchmarks. */
        public static Pair smolVlm() throws IOException {
            return published(shipped("smolvlm-500m"), shipped("smolvlm-256m"));
        }

        boolean isTiny() {
            return teacher == null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private DistillBench() {
    }

    /** A config shipped with the benchmarks: {@code NAME/config.json} and {@code NAME/preprocessor_config.json}. */
    public static ModelDirectory shipped(String name) throws IOException {
        return ModelDirectory.of(resource(name + "/config.json"), resource(name + "/preprocessor_config.json"));
    }

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = DistillBench.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return JSON.readTree(in);
        }
    }

    /** The tiny pair; see {@link #run(Path, Pair, String, int, int, int, long, PrintWriter)}. */
    public static Result run(Path work, String loss, int batch, int steps, int warmup, long seed, PrintWriter log)
            throws IOException {
        return run(work, Pair.tiny(), loss, batch, steps, warmup, seed, log);
    }

    /**
     * Writes {@code work/teacher}, {@code work/student} and {@code work/shapes}, trains {@code steps} steps in
     * {@code work/run-LOSS} and returns the medians of the steps after {@code warmup}.
     */
    public static Result run(Path work, Pair pair, String loss, int batch, int steps, int warmup, long seed,
                             PrintWriter log) throws IOException {
        if (warmup < 0 || warmup >= steps) {
            throw new IllegalArgumentException("warmup " + warmup + " must be in [0, steps " + steps + ")");
        }
        Path studentDir = work.resolve("student");
        Path teacherDir = work.resolve("teacher");
        if (pair.isTiny()) {
            TinyModels.Spec student = TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()))
                    .withVocabPadding(6);
            TinyModels.Spec teacher = student.withText(48, 3).withVocabPadding(40).withVision(32, 1, 32);
            TinyModels.idefics3(studentDir, seed, student);
            TinyModels.idefics3(teacherDir, seed + 1, teacher);
        } else {
            writePublished(studentDir, pair.student(), seed, log);
            writePublished(teacherDir, pair.teacher(), seed + 1, log);
        }
        Path data = work.resolve("shapes");
        ShapesDataset.write(data, Math.max(64, batch * (steps + 1)), 1, seed);
        ObjectNode c = JSON.createObjectNode();
        c.put("student", studentDir.toString());
        c.put("teacher", teacherDir.toString());
        c.put("data", data.resolve(ShapesDataset.TRAIN_JSONL).toString());
        Path out = work.resolve("run-" + loss);
        c.put("output", out.toString());
        c.put("seed", seed);
        c.put("max_steps", steps);
        c.put("batch_size", batch);
        c.putObject("loss").put("name", loss);
        c.putObject("optimizer").put("lr", 1e-3);
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 0).put("keep", 1);
        Path file = work.resolve("run-" + loss + ".json");
        Files.writeString(file, c.toPrettyString());
        RunConfig config = RunConfig.read(file);
        long studentParams;
        long teacherParams;
        try (Trainer trainer = Trainer.open(config, false, log)) {
            studentParams = trainer.setup().student().parameters().elements();
            teacherParams = trainer.setup().teacherParameters();
            trainer.run(Progress.silent());
        }
        List<JsonNode> m = MetricsLog.read(out.resolve("metrics.jsonl")).subList(warmup, steps);
        Map<String, Double> phases = new LinkedHashMap<>();
        for (Iterator<String> it = m.getFirst().get("phase_seconds").fieldNames(); it.hasNext(); ) {
            String phase = it.next();
            phases.put(phase, Median.of(m.stream().mapToDouble(n -> n.get("phase_seconds").get(phase).asDouble()).toArray()));
        }
        return new Result(loss, batch, studentParams, teacherParams, median(m, "tokens"), median(m, "step_seconds"),
                median(m, "tokens_per_s"), m.size(), phases);
    }

    private static double median(List<JsonNode> lines, String field) {
        return Median.of(lines.stream().mapToDouble(n -> n.get(field).asDouble()).toArray());
    }

    /**
     * A model directory of {@code source}'s config and image processor with random weights (fp32) and the
     * word-level tokenizer over the Shapes words, padded to the config's vocabulary; see the class comment.
     */
    static void writePublished(Path dir, ModelDirectory source, long seed, PrintWriter log) throws IOException {
        ObjectNode config = source.configJson().deepCopy();
        JsonNode pre = source.preprocessor();
        if (!pre.path("size").has("longest_edge") || !pre.path("max_image_size").has("longest_edge")) {
            throw new IllegalArgumentException(source.describe() + ": its preprocessor_config.json has no "
                    + "size.longest_edge and max_image_size.longest_edge (an Idefics3 image processor's)");
        }
        if (!"idefics3".equals(config.path("model_type").asText())) {
            throw new IllegalArgumentException(source.describe() + ": model_type '"
                    + config.path("model_type").asText() + "', the published pair is Idefics3 (SmolVLM) only");
        }
        ObjectNode text = (ObjectNode) config.get("text_config");
        int vocab = text.path("vocab_size").asInt(config.path("vocab_size").asInt(0));
        // the tile grid of the largest image: size.longest_edge / max_image_size.longest_edge tiles a side
        int side = (int) Math.ceil(pre.path("size").path("longest_edge").asDouble()
                / pre.path("max_image_size").path("longest_edge").asDouble());
        List<String> markers = new ArrayList<>();
        for (int r = 1; r <= side; r++) {
            for (int col = 1; col <= side; col++) {
                String m = "<row_" + r + "_col_" + col + ">";
                if (!TinyModels.SPECIAL.contains(m)) {
                    markers.add(m);
                }
            }
        }
        List<String> words = new ArrayList<>(TinyModels.vocabulary(ShapesVocabulary.words()));
        int fill = vocab - TinyModels.SPECIAL.size() - markers.size() - words.size();
        if (fill < 0) {
            throw new IllegalArgumentException(source.describe() + ": vocab_size " + vocab + " is below the "
                    + (vocab - fill) + " tokens the Shapes tokenizer needs");
        }
        for (int i = 0; i < fill; i++) {
            words.add("vocab_fill_" + i);
        }
        config.put("image_token_id", TinyModels.IMAGE_TOKEN_ID);
        text.put("bos_token_id", TinyModels.SPECIAL.indexOf("<|im_start|>"));
        text.put("eos_token_id", TinyModels.EOS_ID);
        text.put("pad_token_id", 0);
        log.printf("writing %s: random fp32 weights of %s%n", dir, source.describe());
        try (Model m = Models.random(ModelDirectory.of(config, pre), ComputePolicy.of(Map.of("dtype", "fp32")), seed)) {
            ModelWriter.save(m, dir);
        }
        Files.writeString(dir.resolve("preprocessor_config.json"), pre.toPrettyString());
        Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": "
                + TinyModels.EOS_ID + ", \"pad_token_id\": 0}\n");
        TinyModels.writeTokenizer(dir, markers, words);
    }
}
