package org.vlmdistill.tiny;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.config.InternLM2Config;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny InternLM2 directory loads as the internlm2 family, under InternLM2's tensor names. */
class TinyInternLM2Test {

    @Test
    void writesALoadableInternLM2Directory(@TempDir Path tmp) throws Exception {
        Path dir = TinyModels.internlm2(tmp.resolve("internlm2"), 7);
        for (String f : new String[] {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertTrue(ckpt.names().contains("model.layers.1.attention.wqkv.weight"), ckpt.names().toString());
            assertTrue(ckpt.names().contains("output.weight"), ckpt.names().toString());
        }
        try (CausalLanguageModel model = assertInstanceOf(CausalLanguageModel.class,
                Models.load(dir, ComputePolicy.of(Map.of("dtype", "fp32"))));
             NDManager m = NDManager.newBaseManager()) {
            InternLM2Config config = assertInstanceOf(InternLM2Config.class, model.config());
            assertEquals(TinyModels.vocabSize(), config.vocabSize());
            NDArray ids = m.create(new long[] {1, 12, 13, 14, 15}, new Shape(1, 5));
            NDArray logits = model.forward(ids, null, null).logits();
            assertArrayEquals(new long[] {1, 5, TinyModels.vocabSize()}, logits.getShape().getShape());
        }
    }
}
