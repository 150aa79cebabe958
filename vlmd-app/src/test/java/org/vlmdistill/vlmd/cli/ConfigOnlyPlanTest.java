package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.model.ModelFamilies;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model directories without weights (published config.json files, vlm-core's config fixtures):
 * {@code vlmd inspect} counts the parameters from the config and says so, and {@code vlmd distill
 * --dry-run} prints the plan from the two configs, the shared vocabulary and the memory estimate.
 */
class ConfigOnlyPlanTest {
    private static final Path CONFIGS = Path.of("..", "vlm-core", "src", "test", "resources", "configs");

    @TempDir
    Path tmp;

    @Test
    void inspectCountsAConfigWithoutWeights() {
        CliRun r = CliRun.run("inspect", "--model", CONFIGS.resolve("SmolVLM-256M-Instruct").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("weights: none"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  total\\s+\\d+ tensors\\s+256,484,928 parameters\\n.*"), r.out());
    }

    @Test
    void dryRunPlansAPairOfConfigsWithoutWeights() throws Exception {
        CliRun r = dryRun("SmolVLM-256M-Instruct", "SmolVLM-500M-Instruct");
        assertEquals(0, r.code(), r.err() + r.out());
        for (String needle : new String[] {"config only: no weights", "256,484,928 parameters from config.json",
                "507,482,304 parameters from config.json", "vocab     49280 shared by vocab_size", "peak      ",
                "device    80.000 GiB (as given by --plan-device)", "dry run: configs are valid"}) {
            assertTrue(r.out().contains(needle), "missing '" + needle + "' in:\n" + r.out());
        }
        System.out.println(r.out());
    }

    @Test
    void theInternVl2PairIsPlannedFromItsPublishedConfigs() throws Exception {
        Assumptions.assumeTrue(ModelFamilies.installed().modelTypes().contains("internvl_chat"),
                "the internvl_chat family is not installed yet");
        CliRun inspect = CliRun.run("inspect", "--model", CONFIGS.resolve("InternVL2-8B").toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().matches("(?s).*\\n  total\\s+\\d+ tensors\\s+8,075,365,376 parameters\\n.*"),
                inspect.out());
        CliRun r = dryRun("InternVL2-2B", "InternVL2-8B");
        assertEquals(0, r.code(), r.err() + r.out());
        for (String needle : new String[] {"2,205,754,368 parameters from config.json",
                "8,075,365,376 parameters from config.json", "vocab     92553 shared by vocab_size (student 92553,"
                + " teacher 92553)", "peak      "}) {
            assertTrue(r.out().contains(needle), "missing '" + needle + "' in:\n" + r.out());
        }
        System.out.println(inspect.out());
        System.out.println(r.out());
    }

    /** The worked InternVL config's settings with the two fixture directories, planned for an 80 GiB GPU. */
    private CliRun dryRun(String student, String teacher) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(Files.readString(Path.of("..", "docs", "configs",
                "internvl2-8b-to-2b.json")));
        c.put("student", CONFIGS.resolve(student).toAbsolutePath().toString());
        c.put("teacher", CONFIGS.resolve(teacher).toAbsolutePath().toString());
        c.put("output", tmp.resolve("run").toString());
        Path file = tmp.resolve("run.json");
        Files.writeString(file, c.toPrettyString());
        return CliRun.run("distill", "--config", file.toString(), "--dry-run", "--plan-device", "gpu:80GiB");
    }
}
