package org.vlmdistill.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {

    private static long entries(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void aTextFileAppearsWholeOnCommitAndNotAtAllOtherwise(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("train.jsonl");
        Files.writeString(target, "old\n");
        try (AtomicFiles.TextFile f = AtomicFiles.openText(target, AtomicFiles.Durability.NO_SYNC)) {
            f.writeLine("new 1");
            assertEquals("old\n", Files.readString(target), "not visible before commit");
        } // closed without commit
        assertEquals("old\n", Files.readString(target));
        assertEquals(1, entries(dir), "no temp file left");
        for (AtomicFiles.Durability d : AtomicFiles.Durability.values()) {
            try (AtomicFiles.TextFile f = AtomicFiles.openText(target, d)) {
                f.writeLine("é " + d);
                f.writeLine("2");
                f.commit();
            }
            assertEquals("é " + d + "\n2\n", Files.readString(target));
            assertEquals(1, entries(dir));
        }
    }

    @Test
    void aFailingBodyLeavesTheTargetAndNoTemp(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("x.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3}, AtomicFiles.Durability.SYNC);
        assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            throw new IOException("disk full");
        }));
        assertEquals(3, Files.size(target));
        assertEquals(1, entries(dir));
    }

    /** A write that fails for a reason naming no file (ENOSPC, EIO) is reported with the file it was writing. */
    @Test
    void aFailedWriteNamesTheFile(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("optimizer.safetensors");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            throw new IOException("No space left on device");
        }));
        assertEquals(target + ": No space left on device", e.getMessage());
        Path text = dir.resolve("metrics.jsonl");
        try (AtomicFiles.TextFile f = AtomicFiles.openText(text, AtomicFiles.Durability.SYNC)) {
            f.writeLine("x");
        }
        assertEquals(0, entries(dir), "no temp file left by the uncommitted text file");
        IOException kept = new java.nio.file.NoSuchFileException("/elsewhere");
        assertSame(kept, AtomicFiles.naming(target, kept), "an exception naming its file is kept");
    }
}
