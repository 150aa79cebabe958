package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.distill.data.TinyPair;
import org.vlmdistill.distill.train.Checkpoints;
import org.vlmdistill.tiny.TinyModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numbers that cannot be right stop {@code vlmd distill} and {@code vlmd generate} with exit 2 and
 * the field or option named, before anything loads; weights that are not finite are never written.
 */
class RunConfigNumbersTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static TinyPair pair;

    @BeforeAll
    static void models() throws IOException {
        pair = TinyPair.create(tmp, 11, 12);
        pair.close();
    }

    static ObjectNode sft(Path out) {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("data", pair.data.toString());
        c.put("output", out.toString());
        c.put("max_steps", 2);
        c.put("batch_size", 4);
        c.putObject("loss").put("name", "sft");
        c.putObject("optimizer").put("lr", 3e-3);
        c.putObject("checkpoint").put("every", 0).put("keep", 1);
        c.put("prefetch", 0);
        return c;
    }

    static Path write(String text, String name) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    static CliRun dryRun(String text, String name) throws IOException {
        return CliRun.run("distill", "--config", write(text, name).toString(), "--dry-run");
    }

    @Test
    void anInfiniteLearningRateExitsTwoNamingTheField() throws IOException {
        String text = sft(tmp.resolve("inf")).toString().replace("0.003", "1e999");
        CliRun r = dryRun(text, "inf.json");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("optimizer.lr: must be finite and > 0, got Infinity"), r.err());
    }

    @Test
    void aNegativeLearningRateAndAPrefetchOfFiveExitTwo() throws IOException {
        ObjectNode c = sft(tmp.resolve("neg"));
        c.putObject("optimizer").put("lr", -1e-3);
        c.put("prefetch", 5);
        CliRun r = dryRun(c.toString(), "neg.json");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("optimizer.lr: must be finite and > 0, got -0.001"), r.err());
        assertTrue(r.err().contains("prefetch: must be in [0, 2], got 5"), r.err());
    }

    @Test
    void aDuplicateKeyExitsTwoNamingIt() throws IOException {
        String text = sft(tmp.resolve("dup")).toString().replace("\"max_steps\":2", "\"max_steps\":2,\"max_steps\":3");
        CliRun r = dryRun(text, "dup.json");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("max_steps: duplicate key 'max_steps'"), r.err());
    }

    /**
     * A learning rate of 1e300 is a finite number, so the config takes it; the first step's update
     * overflows fp32 and the second step's loss is NaN (skipped, one of max_bad_steps). The last
     * checkpoint would hold those weights: the run stops instead, exit 1, and writes none.
     */
    @Test
    void weightsThatAreNotFiniteAreNeverWrittenToACheckpoint() throws IOException {
        Path out = tmp.resolve("nan-weights");
        ObjectNode c = sft(out);
        c.putObject("optimizer").put("lr", 1e300).put("max_grad_norm", 0.0);
        c.put("max_bad_steps", 5);
        CliRun r = CliRun.run("distill", "--config", write(c.toString(), "nan.json").toString(), "--progress", "none");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("holds NaN or Infinity, so no checkpoint was written"), r.err());
        assertFalse(r.out().contains("done:"), r.out());
        assertTrue(new Checkpoints(out.resolve("checkpoints")).complete().isEmpty(), "a checkpoint was written");
    }

    @Test
    void generateRefusesNumbersOutOfRangeNamingTheOption() throws IOException {
        Path dir = TinyModels.idefics3(tmp.resolve("tiny-gen"), 5);
        String[][] cases = {
            {"--max-new-tokens", "-5"}, {"--max-new-tokens", "0"}, {"--temperature", "-1"},
            {"--temperature", "NaN"}, {"--top-p", "2"}, {"--top-p", "-0.5"}, {"--top-k", "-3"}};
        for (String[] c : cases) {
            CliRun r = CliRun.run("generate", "--model", dir.toString(), "--prompt", "what", "--sample", c[0], c[1]);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.out() + r.err());
            assertTrue(r.err().contains(c[0] + ": must be"), String.join(" ", c) + ": " + r.err());
            assertTrue(!r.err().contains("\tat "), r.err());
        }
        CliRun ok = CliRun.run("generate", "--model", dir.toString(), "--prompt", "what", "--max-new-tokens", "2",
                "--sample", "--temperature", "0.7", "--top-p", "0.9", "--top-k", "5");
        assertEquals(0, ok.code(), ok.err());
    }
}
