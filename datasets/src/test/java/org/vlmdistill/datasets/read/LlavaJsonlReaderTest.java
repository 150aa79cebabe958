package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.datasets.read.Fixtures.llava;

class LlavaJsonlReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsImageTextOnlyAndMultiImageRecordsWithTheirFields() throws IOException {
        Path dir = tmp.resolve("llava");
        Fixtures.image(dir.resolve("images/a.jpg"));
        Fixtures.image(dir.resolve("images/b.png"));
        Path file = Fixtures.lines(dir.resolve("train.jsonl"),
                llava("one", "images/a.jpg", "<image>\nWhat is this?", "A cat."),
                llava("two", null, "Say hi.", "Hi."),
                "{\"id\": 3, \"images\": [\"images/a.jpg\", \"images/b.png\"], \"source\": \"coco\", \"score\": 0.5,"
                        + " \"conversations\": [{\"from\": \"system\", \"value\": \"Be brief.\"},"
                        + " {\"from\": \"human\", \"value\": \"<image> and <image>: same?\"},"
                        + " {\"from\": \"gpt\", \"value\": \"No.\"}]}");

        Fixtures.Read read = Fixtures.read(file);

        assertEquals(List.of("one", "two", "3"), read.ids());
        assertEquals(0, read.stats().skipped());
        Record one = read.records().get(0);
        assertEquals(List.of(new Turn(Role.USER, "<image>\nWhat is this?"), new Turn(Role.ASSISTANT, "A cat.")), one.turns());
        assertEquals(List.of(new ImageSource.File(dir.resolve("images/a.jpg").toRealPath())), one.images());
        assertEquals("line 1", one.provenance().location());
        assertEquals(file, one.provenance().file());
        assertTrue(read.records().get(1).images().isEmpty());
        Record three = read.records().get(2);
        assertEquals(List.of(Role.SYSTEM, Role.USER, Role.ASSISTANT), three.turns().stream().map(Turn::role).toList());
        assertEquals(2, three.images().size());
        assertEquals(Map.of("source", "coco", "score", "0.5"), three.fields());
    }

    @Test
    void oneImageWithoutPlaceholderGetsItBeforeTheFirstHumanTurn() throws IOException {
        Path dir = tmp.resolve("d");
        Fixtures.image(dir.resolve("a.jpg"));
        Path file = Fixtures.lines(dir.resolve("x.jsonl"),
                "{\"id\": \"s\", \"image\": \"a.jpg\", \"conversations\": [{\"from\": \"system\", \"value\": \"sys\"},"
                        + " {\"from\": \"human\", \"value\": \"Describe.\"}, {\"from\": \"gpt\", \"value\": \"A.\"}]}");

        Record r = Fixtures.read(file).records().getFirst();

        assertEquals(new Turn(Role.SYSTEM, "sys"), r.turns().get(0));
        assertEquals(new Turn(Role.USER, "<image>\nDescribe."), r.turns().get(1));
        assertEquals(1, r.placeholderCount());
    }

    @Test
    void imageRootCanBeSetApartFromTheDataFile() throws IOException {
        Path images = tmp.resolve("coco");
        Fixtures.image(images.resolve("train2017/1.jpg"));
        Path file = Fixtures.lines(tmp.resolve("json/x.jsonl"), llava("r", "train2017/1.jpg", "<image>", "ok"));

        Fixtures.Read defaultRoot = Fixtures.read(file);
        Fixtures.Read setRoot = Fixtures.read(ReaderOptions.DEFAULTS.withImageRoot(images), file);

        assertEquals(List.of("line 1 MISSING_IMAGE"), defaultRoot.skips());
        assertEquals(List.of("r"), setRoot.ids());
    }

    /** Every bad-input rule of the format, interleaved with good records, in one file. */
    @Test
    void mixedFileDeliversEveryGoodRecordInOrderAndSkipsEachBadOneWithItsReasonAndLine() throws IOException {
        Path dir = tmp.resolve("data");
        Fixtures.image(dir.resolve("images/a.jpg"));
        Fixtures.image(dir.resolve("images/b.jpg"));
        Path outside = Fixtures.image(tmp.resolve("secret.jpg"));
        Files.createSymbolicLink(dir.resolve("images/link.jpg"), outside);
        String longAnswer = "x".repeat(300);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> lines = List.of(
                llava("good1", "images/a.jpg", "<image>\nWhat is it?", "A."),                     // 1
                "{\"id\": \"broken\", \"conversations\": [",                                      // 2 malformed JSON
                llava("good2", null, "Text only.", "Yes."),                                        // 3
                "   ",                                                                              // 4 blank: no record
                "{\"id\": \"noconv\", \"image\": \"images/a.jpg\"}",                             // 5 missing key
                "{\"id\": \"wrongtype\", \"conversations\": [{\"from\": \"human\", \"value\": 5}]}", // 6 wrong type
                "{\"id\": \"unknownfrom\", \"conversations\": [{\"from\": \"bot\", \"value\": \"hi\"}]}", // 7
                llava("good3", "images/b.jpg", "No placeholder here.", "B."),                      // 8
                "{\"id\": \"mismatch\", \"images\": [\"images/a.jpg\", \"images/b.jpg\"], \"conversations\":"
                        + " [{\"from\": \"human\", \"value\": \"<image> only one\"}]}",             // 9
                llava("missing", "images/nope.jpg", "<image>", "?"),                               // 10
                llava("dotdot", "../secret.jpg", "<image>", "?"),                                  // 11
                llava("absolute", outside.toString(), "<image>", "?"),                             // 12
                llava("symlink", "images/link.jpg", "<image>", "?"),                               // 13
                llava("toolong", null, "Q", longAnswer),                                           // 14
                "{\"id\": 42, \"images\": [\"images/a.jpg\", \"images/b.jpg\"], \"conversations\":"
                        + " [{\"from\": \"human\", \"value\": \"<image><image>\"}, {\"from\": \"gpt\", \"value\": \"2\"}]}", // 15
                "[1, 2]",                                                                           // 16 not an object
                "{\"id\": \"trailing\"} {\"id\": \"second\"}",                                      // 17 two values
                "{\"conversations\": [{\"from\": \"human\", \"value\": \"no id\"}]}",               // 18 good, id = line
                "{\"id\": \"NOT_UTF8\", \"conversations\": []}",                                    // 19 bytes patched below
                "{\"id\": \"both\", \"image\": \"images/a.jpg\", \"images\": [\"images/b.jpg\"], \"conversations\":"
                        + " [{\"from\": \"human\", \"value\": \"<image>\"}]}",                        // 20
                llava("good6", null, "Last", "line"));                                             // 21, no newline
        for (int i = 0; i < lines.size(); i++) {
            byte[] line = lines.get(i).getBytes(StandardCharsets.UTF_8);
            if (lines.get(i).contains("NOT_UTF8")) {
                line[10] = (byte) 0xC3; // a lone lead byte
                line[11] = (byte) 0x28;
            }
            bytes.write(line);
            if (i < lines.size() - 1) {
                bytes.write(i == 19 ? "\r\n".getBytes(StandardCharsets.US_ASCII) : new byte[] {'\n'});
            }
        }
        Path file = Files.write(dir.resolve("mixed.jsonl"), bytes.toByteArray());

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withMaxRecordChars(200), file);

        assertEquals(List.of("good1", "good2", "good3", "42", "line 18", "good6"), read.ids());
        assertEquals(List.of("line 1", "line 3", "line 8", "line 15", "line 18", "line 21"),
                read.records().stream().map(r -> r.provenance().location()).toList());
        assertEquals(List.of(
                "line 2 MALFORMED_JSON",
                "line 5 MALFORMED_RECORD",
                "line 6 MALFORMED_RECORD",
                "line 7 UNKNOWN_ROLE",
                "line 9 IMAGE_COUNT_MISMATCH",
                "line 10 MISSING_IMAGE",
                "line 11 IMAGE_OUTSIDE_ROOT",
                "line 12 IMAGE_OUTSIDE_ROOT",
                "line 13 IMAGE_OUTSIDE_ROOT",
                "line 14 TOO_LONG",
                "line 16 MALFORMED_RECORD",
                "line 17 MALFORMED_JSON",
                "line 19 MALFORMED_JSON",
                "line 20 MALFORMED_RECORD"), read.skips());
        List<SkippedRecord> skipped = read.stats().skippedRecords();
        assertTrue(skipped.stream().allMatch(s -> s.provenance().file().equals(file)));
        assertTrue(skipped.get(2).detail().contains("conversations[0].value"), skipped.get(2).detail());
        assertTrue(skipped.get(3).detail().contains("'bot'"), skipped.get(3).detail());
        assertTrue(skipped.get(8).detail().contains("link"), skipped.get(8).detail());
        assertEquals(14, read.stats().skipped());
        assertEquals(3L, read.stats().skippedByReason().get(SkipReason.IMAGE_OUTSIDE_ROOT));
    }

    @Test
    void aLineLongerThanTheRawLimitIsPassedOverWithoutBeingKept() throws IOException {
        Path file = Fixtures.lines(tmp.resolve("long.jsonl"),
                llava("a", null, "q", "a"),
                llava("huge", null, "q", "y".repeat(200_000)),
                llava("b", null, "q", "b"));

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withMaxRawBytes(1000), file);

        assertEquals(List.of("a", "b"), read.ids());
        assertEquals(List.of("line 2 TOO_LONG"), read.skips());
    }
}
