package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.datasets.hmm.HiddenMarkovProcess;
import org.vlmdistill.datasets.hmm.HmmConfig;
import org.vlmdistill.datasets.hmm.HmmDataset;
import org.vlmdistill.tiny.TinyModels;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text-only causal LMs (tiny {@code LlamaForCausalLM}s) train through the same Trainer as VLMs: SFT of a
 * teacher, then a student distilled from it online, on text-only records (a hidden Markov set).
 */
class TextOnlyTrainingTest {
    @TempDir
    static Path tmp;
    static Path data;
    static List<String> words;

    @BeforeAll
    static void files() throws Exception {
        HmmConfig c = new HmmConfig(6, 8, 2, 2, 2, 6);
        HmmDataset.write(tmp.resolve("data"), 96, 0, 11, c);
        data = tmp.resolve("data").resolve(HmmDataset.TRAIN_JSONL);
        words = TinyModels.vocabulary(HiddenMarkovProcess.words(c.vocabulary()));
    }

    private static Trainer.RunSummary train(String name, Path student, Path teacher, String loss, int steps)
            throws Exception {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("student", student.toString());
        if (teacher != null) {
            c.put("teacher", teacher.toString());
        }
        c.put("data", data.toString());
        c.put("output", tmp.resolve(name).toString());
        c.put("seed", 5);
        c.put("max_steps", steps);
        c.put("batch_size", 8);
        c.putObject("loss").put("name", loss);
        c.putObject("optimizer").put("weight_decay", 0.0).putObject("lr").put("type", "constant").put("value", 1e-2);
        c.putObject("checkpoint").put("every", 0).put("keep", 1);
        RunConfig config = RunConfig.parse(c, tmp.resolve(name + ".json"));
        try (Trainer trainer = Trainer.open(config, false, new PrintWriter(Writer.nullWriter()))) {
            return trainer.run(Progress.silent());
        }
    }

    private static List<Double> losses(Path metrics) throws Exception {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = json.readTree(line);
            out.add(n.path("loss").asDouble());
        }
        return out;
    }

    private static double mean(List<Double> v, int from, int to) {
        return v.subList(from, to).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    @Test
    void aLlamaTeacherLearnsBySftAndALlamaStudentIsDistilledFromIt() throws Exception {
        Path teacherInit = TinyModels.llama(tmp.resolve("teacher-init"), 1, 32, 2, words);
        Trainer.RunSummary sft = train("teacher-sft", teacherInit, null, "sft", 40);
        List<Double> sftLoss = losses(sft.metrics());
        assertEquals(40, sftLoss.size());
        // uniform over the 21-id vocabulary is log 21 = 3.04 nats; the set's continuations need far less
        assertTrue(mean(sftLoss, 35, 40) < mean(sftLoss, 0, 5) - 1.0, "SFT loss " + sftLoss);
        Path teacher = sft.lastCheckpoint().resolve("model");

        Path studentInit = TinyModels.llama(tmp.resolve("student-init"), 2, 16, 1, words);
        for (String loss : List.of("fkl", "taid")) {
            int steps = loss.equals("fkl") ? 30 : 5;
            Trainer.RunSummary run = train(loss, studentInit, teacher, loss, steps);
            List<Double> l = losses(run.metrics());
            assertEquals(steps, l.size());
            assertTrue(l.stream().allMatch(Double::isFinite), loss + " " + l);
            if (loss.equals("fkl")) {
                assertTrue(mean(l, 25, 30) < mean(l, 0, 5), "fkl loss " + l);
            }
            try (Model m = Models.load(run.lastCheckpoint().resolve("model"),
                    ComputePolicy.of(Map.of("dtype", "fp32", "device", "cpu")))) {
                CausalLanguageModel lm = assertInstanceOf(CausalLanguageModel.class, m);
                assertEquals(16, lm.config().hiddenSize());
            }
        }
    }
}
