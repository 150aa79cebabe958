package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one validation of a run config's numbers: ranges, finiteness and duplicate keys, each named by its path. */
class RunConfigTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static ObjectNode valid() {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", "student");
        c.put("teacher", "teacher");
        c.put("data", "train.jsonl");
        c.putObject("optimizer").put("lr", 1e-4);
        return c;
    }

    /** The problems {@code text} has, read as a config file (so parse-time checks run too). */
    private List<String> problems(String text) throws Exception {
        Path f = tmp.resolve("run.json");
        Files.writeString(f, text);
        RunConfigException e = assertThrows(RunConfigException.class, () -> RunConfig.read(f), text);
        return e.problems();
    }

    private List<String> problems(ObjectNode c) throws Exception {
        return problems(c.toString());
    }

    private static void assertNamed(List<String> problems, String needle) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(needle)), "no '" + needle + "' in " + problems);
    }

    @Test
    void aValidConfigReadsWithItsNumbers() throws Exception {
        Path f = tmp.resolve("ok.json");
        ObjectNode c = valid();
        c.put("prefetch", 2).put("max_steps", 10).put("batch_size", 8);
        Files.writeString(f, c.toString());
        RunConfig r = RunConfig.read(f);
        assertEquals(2, r.prefetch());
        assertEquals(1e-4, r.optimizer().lr().at(0, 10));
    }

    @Test
    void anInfiniteLearningRateIsRefusedNamingTheField() throws Exception {
        List<String> p = problems(valid().toString().replace("1.0E-4", "1e999"));
        assertEquals(List.of("optimizer.lr: must be finite and > 0, got Infinity"), p);
    }

    @Test
    void aNegativeOrZeroLearningRateIsRefused() throws Exception {
        ObjectNode c = valid();
        ((ObjectNode) c.get("optimizer")).put("lr", -1e-4);
        assertNamed(problems(c), "optimizer.lr: must be finite and > 0, got -1.0E-4");
        ((ObjectNode) c.get("optimizer")).putObject("lr").put("type", "cosine").put("peak", 0.0);
        assertNamed(problems(c), "optimizer.lr.peak: must be finite and > 0, got 0.0");
        ((ObjectNode) c.get("optimizer")).putObject("lr").put("type", "linear").put("from", 1e-3).put("to", -1e-3);
        assertNamed(problems(c), "optimizer.lr.to: must be finite and >= 0");
    }

    @Test
    void prefetchOutsideItsDocumentedRangeIsRefused() throws Exception {
        assertNamed(problems(valid().put("prefetch", 5)), "prefetch: must be in [0, 2], got 5");
    }

    @Test
    void aDuplicateKeyIsRefusedNamingIt() throws Exception {
        List<String> p = problems("{\"student\": \"s\", \"teacher\": \"t\", \"data\": \"d\",\n"
                + " \"optimizer\": {\"lr\": 1e-4, \"lr\": 1e-3}}");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith("optimizer.lr: duplicate key 'lr' (line 2)"), p.toString());
    }

    @Test
    void aNaNTokenIsRefusedNamingItsField() throws Exception {
        List<String> p = problems(valid().put("seed", 12345).toString().replace("12345", "NaN"));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith("seed: not a JSON number 'NaN'"), p.toString());
    }

    @Test
    void wholeNumbersThatOverflowTheirTypeAreRefused() throws Exception {
        assertNamed(problems(valid().put("batch_size", 3_000_000_000L)), "batch_size: must be in [1, ");
        assertNamed(problems(valid().put("max_tokens", 5_000_000_000L)), "max_tokens: must be in [8, ");
        assertNamed(problems(valid().put("max_bad_steps", 3_000_000_000L)), "max_bad_steps: must be in [1, ");
        assertNamed(problems(valid().put("epochs", 3_000_000_000L)), "epochs: must be in [1, ");
        ObjectNode c = valid().put("max_steps", 2_000_000_000L).put("gradient_accumulation_steps", 4);
        assertNamed(problems(c), "max_steps: times gradient_accumulation_steps must be <=");
    }

    @Test
    void optimizerNumbersThatBreakAdamWAreRefused() throws Exception {
        ObjectNode c = valid();
        ((ObjectNode) c.get("optimizer")).put("beta1", 1.0).put("beta2", -0.1).put("eps", 0.0)
                .put("max_grad_norm", -1.0);
        List<String> p = problems(c);
        assertNamed(p, "optimizer.beta1: must be in [0, 1), got 1.0");
        assertNamed(p, "optimizer.beta2: must be in [0, 1), got -0.1");
        assertNamed(p, "optimizer.eps: must be in (0, 1], got 0.0");
        assertNamed(p, "optimizer.max_grad_norm: must be finite and >= 0, got -1.0");
        ((ObjectNode) c.get("optimizer")).removeAll().put("lr", 1e-4).put("weight_decay", 7.25);
        assertNamed(problems(c.toString().replace("7.25", "1e999")), "optimizer.weight_decay: must be finite");
    }

    @Test
    void aDistilRatioScheduleOutsideZeroToOneIsRefused() throws Exception {
        ObjectNode c = valid();
        c.putObject("loss").put("name", "taid").put("distil_ratio", 1.5);
        assertNamed(problems(c), "loss.distil_ratio: must be in [0, 1], got 1.5");
        c.putObject("loss").put("name", "taid").putObject("distil_ratio").put("type", "wsd").put("peak", -0.5);
        assertNamed(problems(c), "loss.distil_ratio.peak: must be in [0, 1], got -0.5");
    }

    @Test
    void aScheduleFieldOutOfRangeNamesItsOwnPath() throws Exception {
        ObjectNode c = valid();
        ((ObjectNode) c.get("optimizer")).putObject("lr").put("type", "wsd").put("peak", 1e-4).put("decay_fraction", 2.0)
                .put("min_ratio", -1.0);
        List<String> p = problems(c);
        assertNamed(p, "optimizer.lr.decay_fraction: must be in [0, 1], got 2.0");
        assertNamed(p, "optimizer.lr.min_ratio: must be in [0, 1], got -1.0");
    }

    @Test
    void aHugeLossFieldIsRefused() throws Exception {
        ObjectNode c = valid();
        c.putObject("loss").put("name", "fkl").put("temperature", 1.0);
        assertNamed(problems(c.toString().replace("\"temperature\":1.0", "\"temperature\":1e999")), "loss.temperature");
    }

    @Test
    void computeSwitchesAreCheckedByTheirSpellingNamingTheConfigField() throws Exception {
        ObjectNode c = valid();
        c.putObject("compute").put("device", "tpu:7").put("dtype", "fp8").put("ops", "fast");
        List<String> p = problems(c);
        assertNamed(p, "compute.device: 'tpu:7' is not one of auto, cpu, gpu, gpu:N");
        assertNamed(p, "compute.dtype: 'fp8' is not one of auto, fp32, bf16, fp16");
        assertNamed(p, "compute.ops: 'fast' is not one of");
        assertNamed(problems(valid().set("compute", JSON.createObjectNode().put("device", "gpu:99999999999"))),
                "compute.device: 'gpu:99999999999'");
        Path f = tmp.resolve("compute.json");
        Files.writeString(f, valid().set("compute", JSON.createObjectNode().put("device", "CUDA:1").put("dtype", "bf16")
                .put("ops", "composed")).toString());
        assertEquals("CUDA:1", RunConfig.read(f).compute().get("device"));
    }
}
