package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointsTest {

    private static void write(Path dir, long step) throws IOException {
        Files.writeString(dir.resolve(Checkpoints.TRAINER_STATE), "{\"optimizer_step\": " + step + "}");
        Files.writeString(dir.resolve("payload"), "x".repeat(100));
    }

    @Test
    void keepsTheNewestKAndFindsTheNewest(@TempDir Path root) throws IOException {
        Checkpoints c = new Checkpoints(root.resolve("checkpoints"));
        for (long step : List.of(5L, 10L, 15L, 20L)) {
            c.save(step, 2, d -> write(d, step));
        }
        assertEquals(List.of(15L, 20L), c.complete().stream().map(Checkpoints::stepOf).toList());
        assertEquals(20, Checkpoints.stepOf(c.newest().orElseThrow()));
        try (var s = Files.list(c.dir())) {
            assertEquals(2, s.count(), "no temporary or retired directories stay behind");
        }
    }

    @Test
    void aWriterThatFailsLeavesNoCheckpoint(@TempDir Path root) throws IOException {
        Checkpoints c = new Checkpoints(root.resolve("checkpoints"));
        c.save(1, 3, d -> write(d, 1));
        assertThrows(IOException.class, () -> c.save(2, 3, d -> {
            Files.writeString(d.resolve("half"), "written");
            throw new IOException("disk full");
        }));
        assertEquals(List.of(1L), c.complete().stream().map(Checkpoints::stepOf).toList());
        try (var s = Files.list(c.dir())) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void leftoversOfAKilledWriterAreIgnoredThenCleaned(@TempDir Path root) throws IOException {
        Checkpoints c = new Checkpoints(root.resolve("checkpoints"));
        c.save(3, 3, d -> write(d, 3));
        // what a SIGKILL in the middle of a save leaves: a hidden staging directory, maybe without the state file
        Path staging = Files.createDirectories(c.dir().resolve(".step-4.tmp-123"));
        Files.writeString(staging.resolve("payload"), "partial");
        Path noState = Files.createDirectories(c.dir().resolve("step-9"));
        Files.writeString(noState.resolve("payload"), "no trainer_state.json: never committed");
        assertEquals(3, Checkpoints.stepOf(c.newest().orElseThrow()));
        assertEquals(1, c.cleanLeftovers());
        assertFalse(Files.exists(staging));
        assertTrue(Files.exists(c.pathOf(3).resolve(Checkpoints.TRAINER_STATE)));
    }

    @Test
    void metricsOfAResumedRunKeepOnlyCompleteLinesUpToTheCheckpoint(@TempDir Path root) throws IOException {
        Path file = root.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\"loss\":1.5}\n{\"step\":3,\"loss\":1.2}\n{\"step\":4,\"lo");
        try (MetricsLog log = MetricsLog.open(file, 2)) {
            log.write(JsonNodeFactory.instance.objectNode().put("step", 3).put("loss", 1.1));
        }
        List<JsonNode> lines = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L, 3L), lines.stream().map(n -> n.get("step").asLong()).toList());
        assertEquals(1.1, lines.get(2).get("loss").asDouble());
    }

    @Test
    void plotsAreRealPngs(@TempDir Path root) throws IOException {
        List<JsonNode> metrics = new java.util.ArrayList<>();
        for (int s = 1; s <= 20; s++) {
            metrics.add(JsonNodeFactory.instance.objectNode().put("step", s).put("loss", 3.0 / s).put("lm", 2.0 / s)
                    .put("distil", 1.0 / s).put("t", 0.4 + 0.01 * s).put("lr", 1e-3));
        }
        List<Path> files = Plots.draw(metrics, root.resolve("plots"), "taid");
        assertEquals(4, files.size()); // loss, t, dt (TAID's change of t per step), lr
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', f + " is not a PNG");
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(f.toFile());
            assertEquals(800, img.getWidth());
        }
    }
}
