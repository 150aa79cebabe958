package org.vlmdistill.vlmd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole distillation step, timed: a tiny Idefics3 teacher and student made on the spot (the
 * teacher wider and deeper, each expanding an image into its own number of tokens), Shapes data, the
 * real trainer (paired batches, alignment, online teacher forward, student forward and backward,
 * chunked loss, AdamW, metrics). Tokens/s are the student's real tokens per optimizer step over the
 * step's wall time, as metrics.jsonl logs them; the first {@code warmup} steps are left out.
 */
public final class DistillBench {
    /** One configuration's figures: medians over the timed steps. */
    public record Result(String loss, int batch, long studentParams, long teacherParams, double tokensPerStep,
                         double stepSeconds, double tokensPerSecond, int steps) {
    }

    private DistillBench() {
    }

    public static Result run(Path work, String loss, int batch, int steps, int warmup, long seed, PrintWriter log)
            throws IOException {
        TinyModels.Spec student = TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words())).withVocabPadding(6);
        TinyModels.Spec teacher = student.withText(48, 3).withVocabPadding(40).withVision(32, 1, 32);
        Path studentDir = TinyModels.idefics3(work.resolve("student"), seed, student);
        Path teacherDir = TinyModels.idefics3(work.resolve("teacher"), seed + 1, teacher);
        Path data = work.resolve("shapes");
        ShapesDataset.write(data, Math.max(64, batch * (steps + 1)), 1, seed);
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
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
        double[] tokens = m.stream().mapToDouble(n -> n.get("tokens").asDouble()).toArray();
        double[] seconds = m.stream().mapToDouble(n -> n.get("step_seconds").asDouble()).toArray();
        double[] rate = m.stream().mapToDouble(n -> n.get("tokens_per_s").asDouble()).toArray();
        return new Result(loss, batch, studentParams, teacherParams, Median.of(tokens), Median.of(seconds),
                Median.of(rate), m.size());
    }
}
