package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.distill.data.TinyPair;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code compute.activation_checkpointing} changes memory, not training: three TAID steps of the tiny
 * Idefics3 pair (online teacher, two micro-batches a step, nothing frozen, so tower and decoder layers
 * are checkpointed) give the same loss, LM loss, distillation loss and gradient norm each step as the
 * same run without it (relative difference at most 1e-6; in practice bitwise), and the parameters move
 * the same way. A value that is not a boolean is refused, naming the field.
 */
class ActivationCheckpointingRunTest {
    @TempDir
    static Path tmp;
    static TinyPair pair;

    @BeforeAll
    static void models() throws Exception {
        pair = TinyPair.create(tmp, 11, 12);
        pair.close(); // only the files
    }

    private static ObjectNode config(String name) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", pair.teacherDir.toString());
        c.put("data", pair.data.toString());
        c.put("output", tmp.resolve("run-" + name).toString());
        c.put("seed", 5);
        c.put("max_steps", 3);
        c.put("batch_size", 3);
        c.put("gradient_accumulation_steps", 2);
        c.putObject("loss").put("name", "taid").put("chunk_size", 7);
        c.put("prefetch", 0);
        return c;
    }

    private static Trainer open(ObjectNode c, String name) throws Exception {
        RunConfig config = RunConfig.parse(c, tmp.resolve(name + ".json"));
        return Trainer.open(config, false, new PrintWriter(Writer.nullWriter()));
    }

    private static void assertClose(double expected, double actual, String what) {
        double rel = Math.abs(expected - actual) / Math.max(Math.abs(expected), 1e-30);
        assertTrue(rel <= 1e-6, what + ": " + expected + " without checkpointing, " + actual + " with (relative "
                + rel + ")");
    }

    @Test
    void stepsEqualThoseWithoutCheckpointing() throws Exception {
        ObjectNode on = config("on");
        on.putObject("compute").put("activation_checkpointing", true);
        try (Trainer plain = open(config("off"), "off"); Trainer checkpointed = open(on, "on")) {
            assertTrue(((org.vlmdistill.core.model.VisionLanguageModel) checkpointed.setup().student()).activationCheckpoints().enabled());
            assertFalse(((org.vlmdistill.core.model.VisionLanguageModel) plain.setup().student()).activationCheckpoints().enabled());
            for (int step = 0; step < 3; step++) {
                Trainer.StepOutcome a = plain.takeStep();
                Trainer.StepOutcome b = checkpointed.takeStep();
                assertTrue(a.applied() && b.applied(), a.problem() + " / " + b.problem());
                assertEquals(a.rows(), b.rows());
                assertClose(a.loss(), b.loss(), "step " + step + " loss");
                assertClose(a.lm(), b.lm(), "step " + step + " LM loss");
                assertClose(a.distil(), b.distil(), "step " + step + " distillation loss");
                assertClose(a.gradNorm(), b.gradNorm(), "step " + step + " gradient norm");
                System.out.printf("step %d: loss %.9g / %.9g, grad norm %.9g / %.9g (without / with checkpointing)%n",
                        step, a.loss(), b.loss(), a.gradNorm(), b.gradNorm());
            }
        }
    }

    @Test
    void aValueThatIsNotABooleanIsRefused() {
        ObjectNode c = config("bad");
        c.putObject("compute").put("activation_checkpointing", "yes");
        RunConfigException e = assertThrows(RunConfigException.class, () -> RunConfig.parse(c, tmp.resolve("bad.json")));
        assertTrue(e.getMessage().contains("compute.activation_checkpointing"), e.getMessage());
        ObjectNode off = config("default");
        assertFalse(RunConfig.parse(off, tmp.resolve("default.json")).activationCheckpointing());
    }
}
