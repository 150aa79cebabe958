package org.vlmdistill.distill.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlmdistill.core.config.HfConfigs;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The estimate's parts for a small config, against numbers worked out by hand from the formulas in
 * MemoryPlanner's comment (docs/methods.md, "Will it fit?").
 */
class MemoryPlannerTest {
    // text: H 64, 2 layers, 4 heads of 16 (q 64), 2 kv heads (kv 32), I 128, V 100, silu
    // vision: H_v 32, 2 layers, 2 heads, I_v 64, 28 px / 14 = 4 patches + a class token = 5 positions, gelu
    private static final String CONFIG = """
            {"model_type": "llava", "image_token_index": 99,
             "text_config": {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
               "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu"},
             "vision_config": {"model_type": "clip_vision_model", "hidden_size": 32, "intermediate_size": 64,
               "num_hidden_layers": 2, "num_attention_heads": 2, "image_size": 28, "patch_size": 14,
               "hidden_act": "gelu"}}""";
    private static final Workload WORK = new Workload(2, 10, 1, 4); // B 2, S 10 (T 20), 1 tile, chunk 4

    private static VisionLanguageConfig config() throws IOException {
        return (VisionLanguageConfig) HfConfigs.parse(new ObjectMapper().readTree(CONFIG), "test");
    }

    /** vision 1,000, connector 200, text 5,000, lm_head 6,400 = 12,600; the tower frozen: 11,600 train. */
    private static ModelShape student(VisionLanguageConfig c, boolean visionTrains) {
        Map<String, Long> params = Map.of("vision", 1_000L, "connector", 200L, "text", 5_000L, "lm_head", 6_400L);
        // the connector: Linear(32 -> 64), GELU, Linear(64 -> 64): 4 patches per tile, one token each
        return new ModelShape("llava", c.textConfig(), c.visionConfig(), params, visionTrains ? 12_600 : 11_600, 6_400,
                visionTrains, true, true, true, false, List.of(new long[] {32, 64}, new long[] {64, 64}), 4);
    }

    private static ModelShape teacher(VisionLanguageConfig c) {
        return new ModelShape("llava", c.textConfig(), c.visionConfig(), Map.of("text", 20_000L), 0, 0, false, false,
                false, true, false, List.of(), 4);
    }

    @Test
    void fp32OnTheCpuWithAFrozenTowerAndAnOnlineTeacher() throws IOException {
        VisionLanguageConfig c = config();
        Target cpu = new Target("cpu()", false, DType.F32, 1L << 30, "test");
        MemoryEstimate e = MemoryPlanner.estimate(new PlanInputs(student(c, false), new TeacherSide.Online(teacher(c)),
                WORK, cpu, 100));
        // resident: a = 4
        assertEquals(46_400, e.item("student weights, trainable").bytes()); // 11,600 x 4
        assertEquals(4_000, e.item("student weights, frozen").bytes()); // 1,000 x 4
        assertEquals(46_400, e.item("gradients").bytes());
        assertEquals(92_800, e.item("AdamW moments (fp32 m, v)").bytes()); // 11,600 x 8
        assertEquals(0, e.item("AdamW fp32 master weights").bytes());
        assertEquals(80_000, e.item("teacher weights (no gradient)").bytes()); // 20,000 x 4
        assertEquals(269_600, e.residentBytes());
        // a decoder layer, T = 20: per token 2 x 12 x 64 + 4 x ((15 x 64 + 13 x 32) / 2 + 4 x 64 + 4 x 128)
        // = 1,536 + 4 x (688 + 256 + 512) = 7,360; x 20 = 147,200; log-sum-exp 2 x 4 heads x 10 x 4 = 320
        assertEquals(147_520, MemoryPlanner.decoderLayer(c.textConfig(), WORK, 4));
        // 2 layers 295,040 + final norm 20 x 64 x 12 = 15,360 + RoPE 2 x 20 x 16 x 4 = 2,560 + mask 2 x 10 x 10
        assertEquals(313_160, e.item("activations, decoder").bytes());
        // the frozen tower's arrays live in the scope all the same: T_v = 2 x 1 x 5 = 10; per token
        // 2 x 32 x 20 + 4 x (9 x 32 + 2 x 64) = 2,944; x 10 + log-sum-exp 2 x 2 x 5 x 4 = 29,520 a layer;
        // 2 layers + pixels 2 x 3 x 28^2 x 4 = 18,816
        assertEquals(2 * 29_520 + 18_816, e.item("activations, vision tower").bytes());
        // connector: 2 x 1 tile x 4 tokens x ((32 + 64) + (64 + 64)) x 4 = 8 x 224 x 4
        assertEquals(7_168, e.item("activations, connector").bytes());
        assertEquals(5_120, e.item("teacher rows").bytes()); // N 20 x H_t 64 x 4
        // loss, V 100, H 64, N 20, chunk 4, fused: no head copy; dW 25,600; dh 5,120; rows 5,120;
        // max(dW's transient 25,600 + chunk 4 x 100 x (4 + 4) = 28,800, product 25,600 + rows' 5,120 = 30,720)
        assertEquals(25_600 + 5_120 + 5_120 + 30_720, e.item("chunked loss").bytes());
        assertEquals(147_520, e.item("backward working set").bytes());
        assertEquals(92_800, e.item("fp32 copies and squares of the gradients").bytes()); // 11,600 x 8
        assertEquals(6_400 * 20L, e.item("scratch of the largest tensor").bytes()); // 6,400 x 5 x 4
        // teacher forward: its decoder 313,160 + tower 77,856 + no connector layers + last hidden 20 x 64 x 4
        assertEquals(313_160 + 77_856 + 5_120, e.phases().getFirst().bytes());
        long step = 313_160 + 77_856 + 7_168 + 5_120 + 66_560 + 147_520;
        assertEquals(step, e.peakPhase().bytes());
        assertEquals(269_600 + step, e.peakBytes());
        assertTrue(e.fits());
        assertTrue(e.suggestions().isEmpty(), "a run that fits gets no suggestions");
    }

    @Test
    void bf16OnAGpuAddsMastersAndTheComposedChunk() throws IOException {
        VisionLanguageConfig c = config();
        Target gpu = new Target("gpu(0)", true, DType.BF16, 1L << 40, "test");
        MemoryEstimate e = MemoryPlanner.estimate(new PlanInputs(student(c, true), new TeacherSide.Cached(50), WORK,
                gpu, 100));
        assertEquals(12_600 * 2, e.item("student weights, trainable").bytes());
        assertEquals(12_600 * 2, e.item("gradients").bytes());
        assertEquals(12_600 * 4, e.item("AdamW fp32 master weights").bytes());
        assertEquals(0, e.item("teacher weights (no gradient)").bytes());
        assertEquals(20 * 50 * 12, e.item("teacher rows").bytes()); // N x top-50 x 12
        // bf16 tower: per token 2 x 32 x (20 + 4 + 2) + 2 x (9 x 32 + 2 x 64) = 1,664 + 832 = 2,496; x 10
        // + 80 = 25,040 a layer; 2 layers + pixels 2 x 3 x 28^2 x 2
        assertEquals(2 * 25_040 + 9_408, e.item("activations, vision tower").bytes());
        // loss, a = 2, composed: head copy 25,600 + dW 25,600 + dh 5,120 + rows 20 x 64 x 2 = 2,560
        // + max(25,600 + chunk 4 x 100 x (18 x 4 + 2 + 4) = 31,200 -> 56,800, cast 12,800 + product 12,800 + 2,560)
        assertEquals(25_600 + 25_600 + 5_120 + 2_560 + 56_800, e.item("chunked loss").bytes());
        assertEquals(6_400L * (20 + 4 + 2), e.item("scratch of the largest tensor").bytes());
    }

    @Test
    void aRunThatDoesNotFitIsToldWhatToChangeLargestSavingFirst() throws IOException {
        VisionLanguageConfig c = config();
        Target small = new Target("cpu()", false, DType.F32, 100_000, "test");
        MemoryEstimate e = MemoryPlanner.estimate(new PlanInputs(student(c, true), new TeacherSide.Online(teacher(c)),
                WORK, small, 100));
        assertFalse(e.fits());
        assertFalse(e.suggestions().isEmpty());
        for (int i = 1; i < e.suggestions().size(); i++) {
            assertTrue(e.suggestions().get(i - 1).savingBytes() >= e.suggestions().get(i).savingBytes());
        }
        // each saving is the estimate recomputed with the change: the cached teacher's is exact
        long cached = MemoryPlanner.estimate(new PlanInputs(student(c, true), new TeacherSide.Cached(50), WORK, small,
                100)).peakBytes();
        Suggestion cache = e.suggestions().stream().filter(s -> s.change().startsWith("teacher logits")).findFirst()
                .orElseThrow();
        assertEquals(e.peakBytes() - cached, cache.savingBytes());
        assertTrue(e.describe().contains("DOES NOT FIT"), e.describe());
    }
}
