package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.distill.train.Checkpoints;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.eval.report.ResultsJson;
import org.vlmdistill.eval.result.BenchmarkScore;
import org.vlmdistill.eval.result.EvalReport;
import org.vlmdistill.tiny.TinyModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny InternVL2 pair (internvl_chat, InternLM2 decoders, InternVL2's SentencePiece tokenizer and
 * internlm2-chat template) through the CLI as the paper's InternVL2-8B -> InternVL2-2B run would go: the
 * teacher (64 wide, 3 layers, 112-pixel tiles: 16 image tokens per tile) made worth distilling by this
 * tool's own SFT run, TAID distillation of the student (32 wide, 2 layers, 56-pixel tiles: 4 per tile) on
 * Shapes, a resume from a mid-run checkpoint, the saved student reloaded, and {@code vlmd eval} on it.
 */
class InternVLEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long SEED = 5;
    static final int STEPS = 30;

    @TempDir
    static Path tmp;
    static Path student;
    static Path teacher;
    static Path shapes;
    static Path straight;

    /** The pair and the Shapes set; the teacher trained on Shapes answers (SFT, 40 steps). */
    @BeforeAll
    static void pairAndTeacher() throws IOException {
        long start = System.nanoTime();
        double cpu = cpuSeconds();
        student = TinyModels.internvl(tmp.resolve("student"), SEED, TinyModels.InternVLSpec.student(), List.of());
        Path randomTeacher = TinyModels.internvl(tmp.resolve("teacher"), SEED + 1, TinyModels.InternVLSpec.teacher(),
                List.of());
        shapes = tmp.resolve("shapes");
        ShapesDataset.write(shapes, 24, 24, SEED);
        Path out = tmp.resolve("teacher-sft");
        ObjectNode sft = config("sft", out, 40);
        sft.put("student", randomTeacher.toString());
        sft.remove("teacher");
        sft.putObject("optimizer").put("lr", 1e-2).put("weight_decay", 0.0);
        sft.putObject("checkpoint").put("every", 0).put("keep", 1);
        CliRun r = CliRun.run("distill", "--config", write(sft, tmp.resolve("sft.json")).toString(), "--progress", "none");
        assertEquals(0, r.code(), r.err() + r.out());
        List<JsonNode> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        System.out.printf("InternVL teacher SFT: loss %.3f -> %.3f over 40 steps (%.1f s, %.1f CPU s, with writing "
                + "the models and Shapes; median step %.3f s)%n", m.getFirst().get("loss").asDouble(),
                m.getLast().get("loss").asDouble(), seconds(start), cpuSeconds() - cpu, medianStep(m));
        teacher = out.resolve("checkpoints/step-40/model");

        start = System.nanoTime();
        cpu = cpuSeconds();
        straight = tmp.resolve("straight");
        ObjectNode taid = config("taid", straight, STEPS);
        CliRun d = CliRun.run("distill", "--config", write(taid, tmp.resolve("straight.json")).toString(),
                "--progress", "none");
        assertEquals(0, d.code(), d.err() + d.out());
        System.out.printf("InternVL TAID run: %d steps in %.1f s, %.1f CPU s (median step %.3f s)%n", STEPS,
                seconds(start), cpuSeconds() - cpu, medianStep(MetricsLog.read(straight.resolve("metrics.jsonl"))));
    }

    static ObjectNode config(String loss, Path out, int steps) {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", student.toString());
        if (teacher != null) {
            c.put("teacher", teacher.toString());
        }
        c.put("data", shapes.resolve(ShapesDataset.TRAIN_JSONL).toString());
        c.put("output", out.toString());
        c.put("seed", 3);
        c.put("max_steps", steps);
        c.put("batch_size", 4);
        c.putObject("loss").put("name", loss);
        c.putObject("optimizer").put("lr", 3e-3).put("weight_decay", 0.0);
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 5).put("keep", 10);
        c.put("prefetch", 1);
        return c;
    }

    static Path write(ObjectNode config, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, config.toPrettyString());
        return file;
    }

    static double medianStep(List<JsonNode> m) {
        return m.stream().mapToDouble(n -> n.get("step_seconds").asDouble()).sorted().skip(m.size() / 2).findFirst()
                .orElseThrow();
    }

    static double mean(List<JsonNode> m, int from, int to, String key) {
        return m.subList(from, to).stream().mapToDouble(n -> n.get(key).asDouble()).average().orElseThrow();
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** CPU seconds this JVM has used (all threads): a machine shared with other work stretches wall time, not this. */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    @Test
    void taidLowersTheLossAndTheStudentSavesInTheInternVLLayout() throws IOException {
        List<JsonNode> m = MetricsLog.read(straight.resolve("metrics.jsonl"));
        assertEquals(STEPS, m.size());
        double first = mean(m, 0, 5, "loss");
        double last = mean(m, STEPS - 5, STEPS, "loss");
        System.out.printf("InternVL taid: mean loss of steps 1-5 %.4f, of steps %d-%d %.4f%n", first, STEPS - 4,
                STEPS, last);
        assertTrue(last < 0.9 * first, "loss " + first + " -> " + last);
        double t0 = m.getFirst().get("t").asDouble();
        double t1 = m.getLast().get("t").asDouble();
        assertTrue(t0 >= 0.4 && t1 > t0 && t1 <= 1.0, "t " + t0 + " -> " + t1);

        Path saved = straight.resolve("checkpoints/step-" + STEPS + "/model");
        assertEquals(shapes(student), shapes(saved), "tensor names and shapes of the saved student");
        for (String f : List.of("config.json", "tokenizer.model", "tokenizer_config.json", "generation_config.json")) {
            assertTrue(Files.isRegularFile(saved.resolve(f)), f);
        }
        JsonNode config = JSON.readTree(saved.resolve("config.json").toFile());
        assertEquals("internvl_chat", config.path("model_type").asText());
        assertEquals("internlm2-chat", config.path("template").asText());
        try (Model reloaded = Models.load(saved, ComputePolicy.of(Map.of("dtype", "fp32")))) {
            assertEquals(InternVLChatConfig.MODEL_TYPE, reloaded.config().modelType());
        }
        // the frozen tower is saved as it was loaded, the decoder is not
        assertTrue(Arrays.equals(tensor(student, "vision_model.encoder.layers.0.attn.qkv.weight"),
                tensor(saved, "vision_model.encoder.layers.0.attn.qkv.weight")));
        assertTrue(!Arrays.equals(tensor(student, "language_model.output.weight"),
                tensor(saved, "language_model.output.weight")));
    }

    /**
     * A run that died after its step-15 checkpoint, having logged two steps more: its output is the
     * uninterrupted run's as it stood then (checkpoints past 15 gone, metrics cut after step 17).
     * Resumed, it logs the same rows and ends on the same weights, byte for byte.
     */
    @Test
    void aResumeFromAMidRunCheckpointRepeatsTheUninterruptedRun() throws IOException {
        Path resumed = tmp.resolve("resumed");
        copyTree(straight, resumed);
        Checkpoints cps = new Checkpoints(resumed.resolve("checkpoints"));
        for (Path cp : cps.complete()) {
            if (Checkpoints.stepOf(cp) > 15) {
                deleteTree(cp);
            }
        }
        assertEquals(15L, cps.newest().map(Checkpoints::stepOf).orElseThrow());
        List<String> lines = Files.readAllLines(resumed.resolve("metrics.jsonl"));
        Files.write(resumed.resolve("metrics.jsonl"), lines.subList(0, 17));
        ObjectNode c = config("taid", resumed, STEPS);
        long start = System.nanoTime();
        CliRun r = CliRun.run("distill", "--config", write(c, tmp.resolve("resumed.json")).toString(), "--resume",
                "--progress", "none");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("resumed from") && r.out().contains("step 15 of " + STEPS), r.out());
        List<JsonNode> a = MetricsLog.read(straight.resolve("metrics.jsonl"));
        List<JsonNode> b = MetricsLog.read(resumed.resolve("metrics.jsonl"));
        assertEquals(STEPS, b.size(), "one metrics row per step");
        for (int i = 0; i < STEPS; i++) {
            assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), 0.0, "loss at step " + (i + 1));
            assertEquals(a.get(i).get("t").asDouble(), b.get(i).get("t").asDouble(), 0.0, "t at step " + (i + 1));
            assertEquals(a.get(i).get("grad_norm").asDouble(), b.get(i).get("grad_norm").asDouble(), 0.0,
                    "grad_norm at step " + (i + 1));
        }
        byte[] wa = Files.readAllBytes(straight.resolve("checkpoints/step-" + STEPS + "/model/model.safetensors"));
        byte[] wb = Files.readAllBytes(resumed.resolve("checkpoints/step-" + STEPS + "/model/model.safetensors"));
        assertTrue(Arrays.equals(wa, wb), "final weights differ");
        System.out.printf("InternVL resume from step 15: %d rows and the final weights (%d bytes) equal the "
                + "uninterrupted run's (%.1f s)%n", STEPS, wb.length, seconds(start));
    }

    @Test
    void evalScoresTheDistilledStudentOnShapes() throws IOException {
        Path saved = straight.resolve("checkpoints/step-" + STEPS + "/model");
        Path out = tmp.resolve("eval");
        long start = System.nanoTime();
        CliRun r = CliRun.run("eval", "--model", saved.toString(),
                "--bench", shapes.resolve(ShapesDataset.TEST_TSV).toString(),
                "--bench", shapes.resolve(ShapesDataset.TEST_MCQ_TSV).toString(),
                "--mode", "both", "--out", out.toString(), "--progress", "none");
        assertEquals(0, r.code(), r.out() + r.err());
        EvalReport report = ResultsJson.read(out.resolve("results.json"));
        assertEquals(1, report.models().size());
        // test.tsv: generate only (exact match); test_mcq.tsv: generate and loglik
        assertEquals(3, report.scores().size());
        for (BenchmarkScore s : report.scores()) {
            System.out.printf("InternVL student %s %s: %s%n", s.benchmark(), s.mode().label(), s.metrics());
            var info = report.benchmarks().stream().filter(b -> b.name().equals(s.benchmark())).findFirst().orElseThrow();
            assertTrue(info.items() > 0 && info.problems().isEmpty(), info.toString());
            assertEquals(info.items(), s.headline().over(), s.metrics().toString());
            assertEquals(info.items(), s.predictions().size());
            double v = s.headline().value();
            assertTrue(v >= 0 && v <= 1, s.metrics().toString());
        }
        assertTrue(Files.size(out.resolve("results.md")) > 0 && Files.size(out.resolve("report.html")) > 0);
        System.out.printf("InternVL eval: %.1f s%n", seconds(start));
    }

    @Test
    void inspectNamesTheFamilyCountsParametersAndImageTokensPerTile() throws IOException {
        CliRun r = CliRun.run("inspect", "--model", student.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        String out = r.out();
        assertTrue(out.contains("family: internvl_chat ("), out);
        long inFiles;
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(student)) {
            inFiles = c.tensors().stream().mapToLong(TensorInfo::numElements).sum();
        }
        assertTrue(out.contains("check: components %,d + tensors that are not parameters 0 = %,d in the files: equal"
                .formatted(inFiles, inFiles)), out);
        long sum = 0;
        for (String component : new String[] {"vision", "connector", "text", "lm_head"}) {
            Matcher m = Pattern.compile("\\n  " + component + "\\s+\\d+ tensors\\s+([\\d,]+) parameters").matcher(out);
            assertTrue(m.find(), component + " in " + out);
            sum += Long.parseLong(m.group(1).replace(",", ""));
        }
        assertEquals(inFiles, sum, out);
        // by hand, from the student's shape: the tower (hidden 32, MLP 64, 2 layers, 56/14 = 4x4 patches) is
        // class 32 + patch conv 32*3*14*14 + 32 + positions 17*32 + 2 layers of (qkv 32*96+96, proj 32*32+32,
        // norm1/norm2 4*32, ls1/ls2 2*32, fc1 32*64+64, fc2 64*32+32) = 36,640; mlp1 on 4*32 = 128 features:
        // LayerNorm 2*128 + 128*32+32 + 32*32+32 = 5,440; InternLM2 (hidden 32, 4 heads over 2 kv heads of 8,
        // MLP 64, vocab 2009): tok_embeddings 2009*32 + 2 layers of (wqkv 64*32, wo 32*32, w1/w3/w2 3*64*32,
        // 2 norms 2*32) + norm 32 = 82,880; output 2009*32 = 64,288
        assertEquals(36_640 + 5_440 + 82_880 + 64_288, sum, out);
        assertTrue(out.matches("(?s).*\\n  total\\s+\\d+ tensors\\s+189,248 parameters.*"), out);
        assertTrue(out.contains("tokenizer: 2,009 tokens"), out);
        assertTrue(out.contains("image token id 2002,"), out); // <IMG_CONTEXT> in tokenizer_config.json
        // 56-pixel tiles of 4 <IMG_CONTEXT> tokens each, at most 2 tiles: a square or 640x480 image (ratio 1.33 is
        // nearer 1 than 2) is one tile, no thumbnail; 1920x1080 (1.78) a 2x1 grid plus the thumbnail, 3 tiles
        Matcher m = Pattern.compile("image tokens per image \\(<IMG_CONTEXT>\\):(.*)").matcher(out);
        assertTrue(m.find(), out);
        System.out.println("InternVL inspect: " + m.group(0));
        assertEquals(" 56x56 -> 4; 640x480 -> 4; 1920x1080 -> 12;", m.group(1), m.group(0));
    }

    @Test
    void generateWritesAnAnswerOfTheRequestedLength() throws IOException {
        Path image = firstPng(shapes.resolve(ShapesDataset.IMAGES));
        assertTrue(image != null, "a Shapes image");
        CliRun g = CliRun.run("generate", "--model", student.toString(), "--image", image.toString(),
                "--prompt", "What color is the circle?", "--max-new-tokens", "6");
        assertEquals(0, g.code(), g.err());
        Matcher m = Pattern.compile("\\((\\d+) prompt tokens, (\\d+) generated, stopped by ([^)]*)\\)").matcher(g.err());
        assertTrue(m.find(), g.err());
        System.out.println("InternVL generate: " + g.out().strip() + " " + m.group(0));
        // a random model rarely says <|im_end|>: either six tokens, or fewer and stopped by an end token
        int generated = Integer.parseInt(m.group(2));
        assertTrue(generated == 6 || (generated < 6 && !m.group(3).contains("max")), m.group(0));
        // <s><|im_start|>system ... <|im_start|>user\n<img> + 4 <IMG_CONTEXT> + </img>\n question ...
        assertTrue(Integer.parseInt(m.group(1)) > 6, m.group(0));
        assertTrue(!g.out().isBlank() || generated == 0, g.out());
        assertEquals(g.out(), CliRun.run("generate", "--model", student.toString(), "--image", image.toString(),
                "--prompt", "What color is the circle?", "--max-new-tokens", "6").out(), "greedy is deterministic");
    }

    private static Path firstPng(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().findFirst().orElse(null);
        }
    }

    private static Set<String> shapes(Path dir) throws IOException {
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            Set<String> s = new TreeSet<>();
            c.tensors().forEach(t -> s.add(t.name() + " " + t.dtype() + " " + t.shape()));
            return s;
        }
    }

    private static byte[] tensor(Path dir, String name) throws IOException {
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            return c.data(name).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
