package org.vlmdistill.vlmd.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.ModelWriter;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The published SmolVLM dimensions (vlm-core's config fixtures) instantiate with random weights, save
 * as bf16 like the Hub files, and {@code vlmd inspect} reports the published parameter counts:
 * SmolVLM-256M-Instruct 256,484,928 and SmolVLM-500M-Instruct 507,482,304 (the Hub's safetensors are
 * 513,028,808 and 1,015,025,832 bytes of bf16 plus header).
 */
class PublishedShapesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"SmolVLM-256M-Instruct, 256484928", "SmolVLM-500M-Instruct, 507482304"})
    void randomWeightsOfThePublishedShapesHaveThePublishedParameterCount(String name, long published,
                                                                        @TempDir Path tmp) throws Exception {
        Path fixture = Path.of("..", "vlm-core", "src", "test", "resources", "configs", name);
        Path dir = tmp.resolve(name);
        ComputePolicy bf16 = ComputePolicy.of(Map.of("dtype", "bf16", "ops", "bridge"));
        try (Model m = Models.random(ModelDirectory.open(fixture), bf16, 1)) {
            assertEquals(published, m.parameters().elements());
            ModelWriter.save(m, dir, Optional.of(DType.BF16), ModelWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        assertTrue(Files.size(dir.resolve("model.safetensors")) > 2 * published);
        CliRun r = CliRun.run("inspect", "--model", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*\\n  total\\s+\\d+ tensors\\s+%,d parameters\\n.*".formatted(published)),
                r.out());
        assertTrue(r.out().contains("in the files: equal"), r.out());
        System.out.println(r.out());
    }
}
