package org.vlmdistill.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A model built from its config alone ({@link Models#configStructure}, what {@code vlmd inspect} and the
 * memory plan count for a directory without weights) has exactly the tensors of a real checkpoint of
 * that config: every name, every shape, so its parameter count is the checkpoint's.
 */
class ConfigStructureTest {
    private final long seed = System.nanoTime();

    @TempDir
    Path dir;

    @Test
    void idefics3ConfigAloneGivesTheCheckpointsTensors() throws IOException {
        check(VisionLanguageFamiliesTest.IDEFICS3, VisionLanguageFamiliesTest.IDEFICS3_PRE, "idefics3");
    }

    @Test
    void llavaConfigAloneGivesTheCheckpointsTensors() throws IOException {
        check(VisionLanguageFamiliesTest.LLAVA, VisionLanguageFamiliesTest.LLAVA_PRE, "llava");
    }

    private void check(String config, String pre, String name) throws IOException {
        Path out = dir.resolve(name);
        try (Model random = Models.random(ModelDirectory.of(Tiny.json(config), Tiny.json(pre)), Tiny.fp32(), seed)) {
            ModelWriter.save(random, out);
        }
        Map<String, String> inFile = new TreeMap<>();
        long fileElements = 0;
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(out)) {
            for (TensorInfo t : c.tensors()) {
                inFile.put(t.name(), Arrays.toString(t.shapeArray()));
                fileElements += t.numElements();
            }
        }
        Map<String, String> fromConfig = new TreeMap<>();
        try (Model m = Models.configStructure(ModelDirectory.open(out))) {
            for (Parameter p : m.parameters().list()) {
                fromConfig.put(p.name(), Arrays.toString(p.array().getShape().getShape()));
            }
            assertEquals(fileElements, m.parameters().elements(), name + " (seed " + seed + ")");
            long components = m.components().values().stream().mapToLong(c -> c.elements()).sum();
            assertEquals(fileElements, components, name + ": the components add up to the checkpoint");
        }
        assertEquals(inFile, fromConfig, name);
    }
}
