package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.read.Fixtures.Member;
import org.vlmdistill.datasets.record.Record;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.vlmdistill.datasets.read.Fixtures.llava;

class ReadersTest {
    @TempDir
    Path tmp;

    @Test
    void filesOfEveryFormatAreReadInTheOrderGivenWithOneStats() throws IOException {
        Path jsonl = Fixtures.lines(tmp.resolve("a.jsonl"), llava("l1", null, "q", "a"), "{bad");
        Path json = Fixtures.write(tmp.resolve("b.json"), "[" + llava("j1", null, "q", "a") + "]");
        Path tsv = Fixtures.write(tmp.resolve("c.tsv"), "index\tquestion\n7\tq\n8\n");
        Path tar = Fixtures.tar(tmp.resolve("d.tar"), Member.image("k.jpg"), Member.text("k.txt", "cap"));

        Fixtures.Read read = Fixtures.read(jsonl, json, tsv, tar);

        assertEquals(List.of("l1", "j1", "7", "k"), read.ids());
        assertEquals(List.of("a.jsonl line 2 MALFORMED_JSON", "c.tsv row 2 WRONG_COLUMN_COUNT"), read.skipsWithFiles());
        assertEquals(4, read.stats().delivered());
        assertEquals(2, read.stats().skipped());
    }

    @Test
    void aMissingFileIsAnErrorNamingItBeforeAnythingIsRead() throws IOException {
        Path good = Fixtures.lines(tmp.resolve("good.jsonl"), llava("a", null, "q", "a"));
        Path missing = tmp.resolve("typo.jsonl");

        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> Readers.open(List.of(good, missing), ReaderOptions.DEFAULTS));
        assertTrue(e.getMessage().contains("typo.jsonl"), e.getMessage());
        Path directory = Files.createDirectory(tmp.resolve("folder.jsonl"));
        assertThrows(NoSuchFileException.class, () -> Readers.open(List.of(directory), ReaderOptions.DEFAULTS));
    }

    @Test
    void anUnreadableFileIsAnErrorNamingIt() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads any file");
        Path locked = Fixtures.lines(tmp.resolve("locked.jsonl"), llava("a", null, "q", "a"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("-w-------"));

        AccessDeniedException e = assertThrows(AccessDeniedException.class,
                () -> Readers.open(List.of(locked), ReaderOptions.DEFAULTS));
        assertTrue(e.getMessage().contains("locked.jsonl"), e.getMessage());
    }

    @Test
    void aFileThatVanishesAfterOpenIsAnIOExceptionNamingIt() throws IOException {
        Path first = Fixtures.lines(tmp.resolve("first.jsonl"), llava("a", null, "q", "a"));
        Path second = Fixtures.lines(tmp.resolve("second.jsonl"), llava("b", null, "q", "a"));
        try (RecordReader reader = Readers.open(List.of(first, second), ReaderOptions.DEFAULTS)) {
            assertEquals("a", reader.next().orElseThrow().id());
            Files.delete(second);
            IOException e = assertThrows(IOException.class, reader::next);
            assertTrue(e.getMessage().contains("second.jsonl"), e.getMessage());
        }
    }

    @Test
    void anUnknownExtensionIsRefusedNamingTheFileAndTheKnownOnes() {
        Path csv = Fixtures.write(tmp.resolve("data.csv"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Readers.open(List.of(csv), ReaderOptions.DEFAULTS));
        assertTrue(e.getMessage().contains("data.csv") && e.getMessage().contains(".jsonl"), e.getMessage());
        assertEquals(Format.WEBDATASET_TAR, Format.of(Path.of("x/SHARD.TAR")));
    }

    @Test
    void streamDeliversTheSameRecordsAndClosingItClosesTheReader() throws IOException {
        Path file = Fixtures.lines(tmp.resolve("s.jsonl"), llava("a", null, "q", "a"), "oops", llava("b", null, "q", "a"));
        RecordReader reader = Readers.open(List.of(file), ReaderOptions.DEFAULTS);
        List<String> ids;
        try (Stream<Record> records = reader.stream()) {
            ids = records.map(Record::id).toList();
        }
        assertEquals(List.of("a", "b"), ids);
        assertEquals(1, reader.stats().skipped());
        assertTrue(reader.next().isEmpty(), "closed");
    }

    @Test
    void expandNamesEveryShardOfAPattern() {
        assertEquals(List.of(Path.of("d/s-08.tar"), Path.of("d/s-09.tar"), Path.of("d/s-10.tar")),
                Readers.expand("d/s-{08..10}.tar"));
    }
}
