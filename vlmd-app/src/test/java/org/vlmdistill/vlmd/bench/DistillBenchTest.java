package org.vlmdistill.vlmd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.distill.train.MetricsLog;
import org.vlmdistill.tiny.TinyModels;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vlmd bench distill}'s published-pair path at tiny shapes: two Idefics3 configs (written by TinyModels,
 * read back as a user's config.json would be) become model directories with random weights and a tokenizer
 * padded to the config's vocabulary, and the real trainer runs on them. No timing is asserted: the figures are
 * finite and positive, each step's phases add up to its step time (they are consecutive marks of one clock), and
 * the split names every phase.
 */
class DistillBenchTest {
    private static final List<String> PHASES = List.of("data", "align", "teacher_forward", "student_forward", "loss",
            "backward", "optimizer");

    @Test
    void publishedPairAtTinyShapes(@TempDir Path tmp) throws Exception {
        TinyModels.Spec s = TinyModels.Spec.defaults().withVocabPadding(300);
        ModelDirectory student = ModelDirectory.open(TinyModels.idefics3(tmp.resolve("src-student"), 5, s));
        ModelDirectory teacher = ModelDirectory.open(TinyModels.idefics3(tmp.resolve("src-teacher"), 6,
                s.withText(48, 3).withVocabPadding(340)));
        int steps = 4;
        DistillBench.Result r = DistillBench.run(tmp.resolve("work"), DistillBench.Pair.published(teacher, student),
                "taid", 2, steps, 1, 7, new PrintWriter(new StringWriter()));

        assertEquals(PHASES, List.copyOf(r.phaseSeconds().keySet()));
        for (double v : new double[] {r.tokensPerStep(), r.stepSeconds(), r.tokensPerSecond(), r.phaseSum()}) {
            assertTrue(Double.isFinite(v) && v > 0, "figure " + v + " in " + r);
        }
        r.phaseSeconds().values().forEach(v -> assertTrue(Double.isFinite(v) && v >= 0, "phase " + v + " in " + r));
        assertEquals(steps - 1, r.steps());
        for (JsonNode line : MetricsLog.read(tmp.resolve("work/run-taid/metrics.jsonl"))) {
            double sum = 0;
            for (String p : PHASES) {
                sum += line.get("phase_seconds").get(p).asDouble();
            }
            double step = line.get("step_seconds").asDouble();
            // what lies outside the marks is building the step's outcome record: far below a millisecond
            assertTrue(sum <= step + 1e-9 && step - sum < 1e-3 + 0.01 * step,
                    "step " + line.get("step") + ": phases add up to " + sum + " s of " + step + " s");
        }

        // each written directory keeps its source's dimensions, and its tokenizer fills the whole vocabulary
        for (String role : List.of("student", "teacher")) {
            ModelDirectory written = ModelDirectory.open(tmp.resolve("work").resolve(role));
            ModelDirectory source = role.equals("student") ? student : teacher;
            TextConfig w = ((VisionLanguageConfig) written.config()).textConfig();
            TextConfig o = ((VisionLanguageConfig) source.config()).textConfig();
            assertEquals(o.hiddenSize(), w.hiddenSize());
            assertEquals(o.numHiddenLayers(), w.numHiddenLayers());
            assertEquals(o.vocabSize(), w.vocabSize());
            JsonNode tok = new ObjectMapper().readTree(tmp.resolve("work").resolve(role).resolve("tokenizer.json").toFile());
            assertEquals(o.vocabSize(), tok.get("model").get("vocab").size(), role + "'s tokenizer vocabulary");
        }
    }

    @Test
    void shippedSmolVlm500mHasSmolLm2_360mText() throws Exception {
        TextConfig t = ((VisionLanguageConfig) DistillBench.shipped("smolvlm-500m").config()).textConfig();
        TextConfig s = ((VisionLanguageConfig) DistillBench.shipped("smolvlm-256m").config()).textConfig();
        assertEquals(List.of(960, 32, 15, 5, 2560, 49280), List.of(t.hiddenSize(), t.numHiddenLayers(),
                t.numAttentionHeads(), t.numKeyValueHeads(), t.intermediateSize(), t.vocabSize()));
        assertEquals(((VisionLanguageConfig) DistillBench.shipped("smolvlm-256m").config()).visionConfig(),
                ((VisionLanguageConfig) DistillBench.shipped("smolvlm-500m").config()).visionConfig(), "the same SigLIP tower");
        assertEquals(s.vocabSize(), t.vocabSize());
    }
}
