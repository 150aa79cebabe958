package org.vlmdistill.vlmd.cli;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VlmdTest {

    @Test
    void helpListsTheCommandsAndExitsZero() {
        CliRun r = CliRun.run("--help");
        assertEquals(0, r.code());
        for (String command : new String[] {"demo", "data", "bench", "inspect", "generate"}) {
            assertTrue(r.out().contains(command), "help names " + command + ":\n" + r.out());
        }
    }

    @Test
    void versionNamesTheBuildAndTheRuntime() {
        CliRun r = CliRun.run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().matches("(?s)vlmd \\d+\\.\\d+\\.\\d+.*DJL 0\\.35\\.1, libtorch 2\\.7\\.1.*"), r.out());
    }

    @Test
    void unknownCommandsAndBadFlagsExitTwoWithAMessage() {
        CliRun unknown = CliRun.run("distil-everything");
        assertEquals(Vlmd.EXIT_USAGE, unknown.code());
        assertTrue(unknown.err().contains("distil-everything"), unknown.err());

        CliRun badFlag = CliRun.run("demo", "--fast");
        assertEquals(Vlmd.EXIT_USAGE, badFlag.code());
        assertTrue(badFlag.err().contains("--fast"), badFlag.err());

        CliRun badValue = CliRun.run("bench", "sdpa", "--runs", "many");
        assertEquals(Vlmd.EXIT_USAGE, badValue.code());
        assertTrue(badValue.err().contains("many"), badValue.err());

        CliRun none = CliRun.run();
        assertEquals(Vlmd.EXIT_USAGE, none.code());
        assertTrue(none.err().contains("command is required"), none.err());
    }

    @Test
    void benchLoaderRunsOnSmallFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        CliRun r = CliRun.run("bench", "loader", "--records", "300", "--small", "30", "--runs", "1", "--dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(java.nio.file.Files.isRegularFile(tmp.resolve("loader/llava-300.jsonl")));
        assertTrue(java.nio.file.Files.isRegularFile(tmp.resolve("loader/images/pixel.png")));
    }

    @Test
    void benchImagesRunsAndChecksItsFlags() {
        CliRun help = CliRun.run("bench", "images", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--threads") && help.out().contains("BILINEAR, BICUBIC, LANCZOS"), help.out());

        CliRun badFilter = CliRun.run("bench", "images", "--filter", "NEAREST");
        assertEquals(Vlmd.EXIT_USAGE, badFilter.code());
        assertTrue(badFilter.err().contains("NEAREST"), badFilter.err());

        CliRun tiny = CliRun.run("bench", "images", "--images", "2", "--width", "40", "--height", "30", "--size", "8", "--runs", "1");
        assertEquals(0, tiny.code(), tiny.err());
    }

    @Test
    void demoRefusesContradictoryFlagsAndAnEarlierRunsDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws java.io.IOException {
        CliRun onlyTeacher = CliRun.run("demo", "--teacher-only", "--out", tmp.resolve("a").toString());
        assertEquals(Vlmd.EXIT_USAGE, onlyTeacher.code());
        assertTrue(onlyTeacher.err().contains("--teacher-only needs --train-teacher"), onlyTeacher.err());
        java.nio.file.Files.createDirectories(tmp.resolve("b/runs"));
        CliRun again = CliRun.run("demo", "--quick", "--out", tmp.resolve("b").toString());
        assertEquals(Vlmd.EXIT_USAGE, again.code());
        assertTrue(again.err().contains("already holds a demo run"), again.err());
        CliRun noSteps = CliRun.run("demo", "--steps", "0", "--out", tmp.resolve("c").toString());
        assertEquals(Vlmd.EXIT_USAGE, noSteps.code());
    }
}
