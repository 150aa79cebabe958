package org.vlmdistill.distill.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's worked configs (docs/configs) stay valid run configs, and the README shows them as they are. */
class WorkedConfigTest {
    private static final Path CONFIGS = Path.of("..", "docs", "configs");

    @Test
    void everyWorkedConfigParsesAndTheReadmeQuotesItVerbatim() throws IOException {
        List<Path> files;
        try (var s = Files.list(CONFIGS)) {
            files = s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no worked config under " + CONFIGS.toAbsolutePath());
        String readme = Files.readString(Path.of("..", "README.md"));
        for (Path f : files) {
            RunConfig c = RunConfig.read(f);
            assertTrue(c.teacher().isPresent(), f + ": a distillation config names its teacher");
            assertEquals("taid", c.loss().name(), f.toString());
            // the student resolves against the config's directory to the repository's models/
            assertEquals(Path.of("..", "models").toAbsolutePath().normalize(),
                    c.student().toAbsolutePath().normalize().getParent(), f.toString());
            assertTrue(readme.contains(Files.readString(f).strip()), "README.md must quote " + f + " as it is");
        }
    }
}
