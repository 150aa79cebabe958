package org.vlmdistill.decoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.WeightsMismatchException;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.core.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BadInputTest {
    static final String FILE = "model.safetensors";

    static Path saved(ObjectNode config, Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        try (CausalLanguageModel model = Tiny.random(config, Tiny.fp32(), 1)) {
            ModelWriter.save(model, dir);
        }
        return dir;
    }

    @Test
    void missingAndUnexpectedTensorsAreReportedTogether(@TempDir Path tmp) throws Exception {
        Path dir = saved(Tiny.llama(), tmp);
        Set<String> drop = Set.of("model.layers.1.mlp.up_proj.weight", "lm_head.weight");
        List<TensorData> kept = new ArrayList<>();
        Path rewritten = tmp.resolve("rewritten.safetensors");
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            for (TensorInfo info : ckpt.tensors()) {
                if (!drop.contains(info.name())) {
                    byte[] bytes = ckpt.data(info).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    kept.add(TensorData.of(info.name(), info.dtype(), info.shapeArray(), bytes));
                }
            }
            kept.add(TensorData.of("model.layers.0.self_attn.extra.weight", DType.F32, new long[] {2}, new byte[8]));
            SafetensorsWriter.write(rewritten, kept);
        }
        Files.move(rewritten, dir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> Models.load(dir, Tiny.fp32()));
        assertEquals(List.of("lm_head.weight", "model.layers.1.mlp.up_proj.weight"), e.missing());
        assertEquals(List.of("model.layers.0.self_attn.extra.weight"), e.unexpected());
        for (String n : List.of("lm_head.weight", "model.layers.1.mlp.up_proj.weight",
                "model.layers.0.self_attn.extra.weight")) {
            assertTrue(e.getMessage().contains(n), e.getMessage());
        }
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes(@TempDir Path tmp) throws Exception {
        Path dir = saved(Tiny.llama(), tmp);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("intermediate_size", 48);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> Models.load(dir, Tiny.fp32()));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight: expected shape [48, 32], found [64, 32]"),
                e.getMessage());
        assertEquals(6, e.misshapen().size(), e.getMessage());
    }

    @Test
    void oldCheckpointsRotaryBufferIsIgnored(@TempDir Path tmp) throws Exception {
        Path dir = saved(Tiny.llamaTied(), tmp);
        List<TensorData> all = new ArrayList<>();
        Path rewritten = tmp.resolve("rewritten.safetensors");
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            for (TensorInfo info : ckpt.tensors()) {
                all.add(TensorData.of(info.name(), info.dtype(), info.shapeArray(),
                        ckpt.data(info).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            }
        }
        all.add(TensorData.of("model.layers.0.self_attn.rotary_emb.inv_freq", DType.F32, new long[] {4}, new byte[16]));
        all.add(TensorData.of("lm_head.weight", DType.F32, new long[] {Tiny.VOCAB, 32}, new byte[Tiny.VOCAB * 32 * 4]));
        SafetensorsWriter.write(rewritten, all);
        Files.move(rewritten, dir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Models.load(dir, Tiny.fp32()).close();
    }

    @Test
    void unsupportedRopeTypeIsNamed() {
        ObjectNode c = Tiny.llama();
        c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 2.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tiny.random(c, Tiny.fp32(), 1));
        assertTrue(e.getMessage().contains("rope_type \"yarn\"") && e.getMessage().contains("default, linear, dynamic, llama3"),
                e.getMessage());
    }

    @Test
    void slidingWindowIsRejectedNamingTheField() {
        ObjectNode c = Tiny.qwen2().put("use_sliding_window", true).put("sliding_window", 8).put("max_window_layers", 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tiny.random(c, Tiny.fp32(), 1));
        assertTrue(e.getMessage().contains("use_sliding_window"), e.getMessage());
    }
}
