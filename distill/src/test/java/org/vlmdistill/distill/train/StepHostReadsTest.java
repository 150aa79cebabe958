package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.tensor.HostReads;
import org.vlmdistill.distill.data.TinyPair;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How often one training step copies values from the device to the host, counted through
 * {@link HostReads} on the CPU over the tiny Idefics3 pair (images, right padding, two micro-batches a
 * step, an online teacher, several loss chunks a micro-batch).
 *
 * <p>One read a step: the global gradient norm, which the step needs on the host to skip a non-finite
 * step and to log. Everything else stays on the device: the ids and attention masks are uploaded from
 * the collator's host arrays with their padding and image-token counts seen there, the decoder builds
 * positions ({@code cumsum(mask) - 1}) and the attention mask as tensors, the image-token gather index
 * is built from the ids on the device, the loss rows are gathered by an uploaded index, and on the CPU
 * the fused loss kernels work in the logits' memory in place. CTKD adds one read of its trained
 * temperature parameter per loss chunk (its host kernel takes the temperature as a number).
 *
 * <p>Where the fused kernels do not run (a GPU), each chunk's composed loss adds two reads (the LM
 * sum and the loss's sum), which this CPU test does not reach.
 */
class StepHostReadsTest {
    @TempDir
    static Path tmp;
    static TinyPair pair;

    @BeforeAll
    static void models() throws Exception {
        pair = TinyPair.create(tmp, 7, 12);
        pair.close(); // only the files
    }

    private static Trainer open(String loss) throws Exception {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("student", pair.studentDir.toString());
        if (!loss.equals("sft")) {
            c.put("teacher", pair.teacherDir.toString());
        }
        c.put("data", pair.data.toString());
        c.put("output", tmp.resolve("run-" + loss).toString());
        c.put("seed", 3);
        c.put("max_steps", 3);
        c.put("batch_size", 3);
        c.put("gradient_accumulation_steps", 2);
        c.putObject("loss").put("name", loss).put("chunk_size", 5);
        c.putArray("freeze").add("vision");
        c.put("prefetch", 0);
        RunConfig config = RunConfig.parse(c, tmp.resolve(loss + ".json"));
        return Trainer.open(config, false, new PrintWriter(Writer.nullWriter()));
    }

    @Test
    void aStepReadsTheDeviceOnceForTheGradientNorm() throws Exception {
        for (String loss : new String[]{"sft", "fkl", "taid"}) {
            try (Trainer trainer = open(loss)) {
                for (int step = 0; step < 3; step++) {
                    HostReads.Tally tally = new HostReads.Tally();
                    Trainer.StepOutcome outcome = HostReads.counting(tally, trainer::takeStep);
                    assertTrue(outcome.applied(), loss + ": " + outcome.problem());
                    assertEquals(Map.of(AdamWOptimizer.GRAD_NORM_READ, 1), tally.byReason(), loss + " step " + step);
                }
            }
        }
    }

    @Test
    void ctkdAlsoReadsItsTemperatureOncePerChunk() throws Exception {
        try (Trainer trainer = open("ctkd")) {
            HostReads.Tally tally = new HostReads.Tally();
            Trainer.StepOutcome outcome = HostReads.counting(tally, trainer::takeStep);
            assertTrue(outcome.applied(), outcome.problem());
            Map<String, Integer> reads = tally.byReason();
            assertEquals(1, reads.get(AdamWOptimizer.GRAD_NORM_READ));
            // two micro-batches of outcome.rows() rows together, each cut into chunks of 5
            int chunks = reads.getOrDefault("CTKD's theta", 0);
            assertTrue(chunks >= Math.ceilDiv(outcome.rows(), 5) && chunks <= Math.ceilDiv(outcome.rows(), 5) + 1,
                    reads + " for " + outcome.rows() + " rows");
            assertEquals(2, reads.size(), reads.toString());
        }
    }
}
