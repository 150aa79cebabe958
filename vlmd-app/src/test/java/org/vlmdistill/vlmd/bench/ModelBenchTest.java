package org.vlmdistill.vlmd.bench;

import org.vlmdistill.tiny.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.model.ModelDirectory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training-step benchmark on a tiny idefics3 model: its FLOP count by hand, and what it prints. */
class ModelBenchTest {

    @Test
    void countsTheStepsFlopsAsDocumentedAndReportsAPlausibleUtilization(@TempDir Path tmp) throws Exception {
        Path dir = org.vlmdistill.tiny.TinyModels.idefics3(tmp.resolve("tiny"), 7);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelBench.Result r = new ModelBench(ModelDirectory.open(dir), 1, 8, 2, 0, 1, false)
                .run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        // tower: 23,328 matmul/patch parameters (23,840 less 512 of position embedding) over 16 patches,
        // attention 4*2*16^2*32; connector 4,096 over 4 image tokens; decoder 18,592 (19,456 less the
        // 864 of embed_tokens) + lm_head 864 over 12 tokens, attention 4*2*12^2*(4*8); x3 for the backward
        long tile = 2L * 23_328 * 16 + 4L * 2 * 16 * 16 * 32;
        long sequence = 2L * 4_096 * 4 + 2L * (18_592 + 864) * 12 + 4L * 2 * 12 * 12 * 32;
        assertEquals(3.0 * (tile + sequence), r.stepFlops());
        assertEquals(12, r.tokensPerStep());
        assertEquals(2, r.step().seconds().length);
        assertTrue(r.gemmFlopsPerSecond() > 1e9, "a 2048^2 GEMM runs at over 1 GFLOP/s: " + r.gemmFlopsPerSecond());
        assertTrue(r.mfu() > 0 && r.mfu() < 1, "a tiny model cannot beat the GEMM rate: " + r.mfu());
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("batch 1 x 12 tokens (4 image tokens from 1 tile(s) of 32x32 + 8 text)"), out);
    }
}
