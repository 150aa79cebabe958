package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vlmd data synth}, run in-process into a temp directory. */
class DataCommandTest {

    @Test
    void synthWritesTheSetAndPrintsItsSummary(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("shapes");
        CliRun r = CliRun.run("data", "synth", "--out", dir.toString(), "--n", "50", "--seed", "9", "--test-fraction", "0.2");
        assertEquals(Vlmd.EXIT_OK, r.code(), r.err());
        assertTrue(r.out().contains("wrote 40 train and 10 test samples"), r.out());
        for (String kind : List.of("color", "count", "exists", "relation_yes_no", "relation_what", "describe")) {
            assertTrue(r.out().contains(kind), "summary names " + kind + ":\n" + r.out());
        }
        assertTrue(r.out().matches("(?s).*yes/no answers: \\d+ yes, \\d+ no \\(.*% yes\\).*"), r.out());

        assertEquals(40, Files.readAllLines(dir.resolve("train.jsonl")).size());
        List<String> test = Files.readAllLines(dir.resolve("test.jsonl"));
        assertEquals(10, test.size());
        assertEquals(11, Files.readAllLines(dir.resolve("test.tsv")).size(), "header and 10 rows");
        assertTrue(Files.readAllLines(dir.resolve("test_mcq.tsv")).getFirst().startsWith("index\timage\tquestion\tA\tB"));
        try (Stream<Path> images = Files.list(dir.resolve("images"))) {
            assertEquals(50, images.count());
        }
        JsonNode first = new ObjectMapper().readTree(test.getFirst());
        assertEquals("shapes-000040", first.get("id").asText());
        BufferedImage image = ImageIO.read(dir.resolve(first.get("image").asText()).toFile());
        assertEquals(64, image.getWidth());
    }

    @Test
    void badFlagsAndValuesExitTwo(@TempDir Path tmp) {
        String out = tmp.resolve("x").toString();
        CliRun badFlag = CliRun.run("data", "synth", "--out", out, "--colour", "red");
        assertEquals(Vlmd.EXIT_USAGE, badFlag.code());
        assertTrue(badFlag.err().contains("--colour"), badFlag.err());

        CliRun badFraction = CliRun.run("data", "synth", "--out", out, "--test-fraction", "1.5");
        assertEquals(Vlmd.EXIT_USAGE, badFraction.code());
        assertTrue(badFraction.err().contains("--test-fraction"), badFraction.err());

        CliRun badCount = CliRun.run("data", "synth", "--out", out, "--n", "0");
        assertEquals(Vlmd.EXIT_USAGE, badCount.code());

        CliRun noOut = CliRun.run("data", "synth");
        assertEquals(Vlmd.EXIT_USAGE, noOut.code());
        assertTrue(noOut.err().contains("--out"), noOut.err());

        CliRun noCommand = CliRun.run("data");
        assertEquals(Vlmd.EXIT_USAGE, noCommand.code());
        assertTrue(noCommand.err().contains("synth"), noCommand.err());

        assertFalse(Files.exists(tmp.resolve("x")), "nothing written on a usage error");
    }
}
