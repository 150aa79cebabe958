package org.vlmdistill.vlmd.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.distill.train.Progress;
import org.vlmdistill.distill.train.RunConfig;
import org.vlmdistill.distill.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One training run of the demo, through the same run config and {@link Trainer} that
 * {@code vlmd distill --config} uses: the config is written as {@code DIR.json} beside the run, so any
 * run of the demo can be repeated by hand with {@code vlmd distill --config DIR.json}.
 *
 * @param data    training files, read in turn
 * @param loss    a loss name ({@code taid}, {@code fkl}, {@code sft}, ...)
 * @param teacher the teacher's directory; empty for SFT
 * @param tStart  TAID's {@code t_start}, or NaN for the loss's default
 * @param lossOptions further fields of the run config's {@code loss} object (e.g. TAID's {@code adaptive}: false)
 */
public record TrainingRun(Path output, Path student, Optional<Path> teacher, List<Path> data, String loss, double tStart,
                          long seed, int steps, int batchSize, double lr, boolean freezeVision,
                          Map<String, Object> lossOptions) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainingRun {
        data = List.copyOf(data);
        lossOptions = Map.copyOf(lossOptions);
    }

    /** A run whose loss takes its defaults but for {@code tStart}. */
    public TrainingRun(Path output, Path student, Optional<Path> teacher, List<Path> data, String loss, double tStart,
                       long seed, int steps, int batchSize, double lr, boolean freezeVision) {
        this(output, student, teacher, data, loss, tStart, seed, steps, batchSize, lr, freezeVision, Map.of());
    }

    /** What a finished run left: its trained model directory and metrics. */
    public record Result(TrainingRun run, Path model, Path metrics, double seconds, long tokens, long skippedSteps) {
    }

    public ObjectNode config() {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", student.toString());
        teacher.ifPresent(t -> c.put("teacher", t.toString()));
        ArrayNode files = c.putArray("data");
        data.forEach(d -> files.add(d.toString()));
        c.put("output", output.toString());
        c.put("seed", seed);
        c.put("max_steps", steps);
        c.put("batch_size", batchSize);
        ObjectNode l = c.putObject("loss").put("name", loss);
        if (!Double.isNaN(tStart)) {
            l.put("t_start", tStart);
        }
        lossOptions.forEach((k, v) -> l.set(k, JSON.valueToTree(v)));
        // a short linear warm-up then cosine decay to a tenth: tiny models at lr 3e-3 otherwise jump early
        c.putObject("optimizer").put("weight_decay", 0.0).putObject("lr").put("type", "cosine").put("peak", lr)
                .put("warmup_steps", Math.max(1, steps / 20)).put("min_ratio", 0.1);
        if (freezeVision) {
            c.putArray("freeze").add("vision");
        }
        c.putObject("checkpoint").put("every", 0).put("keep", 1);
        return c;
    }

    /** Writes the config beside the run, then trains; {@code output} must not hold a run yet. */
    public Result train(PrintWriter log, Progress progress) throws IOException {
        Path file = output.resolveSibling(output.getFileName() + ".json");
        String config = config().toPrettyString();
        Files.createDirectories(output.getParent());
        Files.writeString(file, config);
        RunConfig run = RunConfig.read(file);
        try (Trainer trainer = Trainer.open(run, false, log)) {
            Trainer.RunSummary s = trainer.run(progress);
            return new Result(this, s.lastCheckpoint().resolve("model"), s.metrics(), s.seconds(), s.tokens(),
                    s.skippedSteps());
        }
    }
}
