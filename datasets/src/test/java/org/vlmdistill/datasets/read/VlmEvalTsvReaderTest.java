package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VlmEvalTsvReaderTest {
    @TempDir
    Path tmp;

    /** Distinct "images" long enough (over 64 base64 characters) not to read as references. */
    private static byte[] image(int n) {
        byte[] b = Arrays.copyOf(Fixtures.IMAGE, 80);
        b[79] = (byte) n;
        return b;
    }

    private static String b64(int n) {
        return Base64.getEncoder().encodeToString(image(n));
    }

    private static String tsv(String... rows) {
        return String.join("\n", rows) + "\n";
    }

    private static String row(Object... cells) {
        return String.join("\t", Arrays.stream(cells).map(String::valueOf).toList());
    }

    /**
     * The quoting cases, with the values pandas 1.5.3's {@code read_csv(sep='\t')} gives for this exact text,
     * except "None", which pandas 2 (VLMEvalKit's) reads as missing.
     */
    @Test
    void quotingAndMissingCellsFollowPandas() throws IOException {
        Path file = Fixtures.write(tmp.resolve("bench.tsv"), String.join("\n",
                "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory",
                "1\t\"He said \"\"yes\"\"\"\tnan\tred\tblue\t\t\tA\tcolor",
                "2\t\"line one\nline two\twith tab\"\tNA\t\"x\"\ty\tz\t\tB\tmulti",
                "",
                "3\tsay \"hi\" now\t\"abc\"def\tp\tq\tr\ts\tD\tquotes",
                "4\tcrlf row\t\tone\ttwo\t\t\tB\tcr\r",
                "5\tlast\tnone\tN/A\tNone\tnull\t-\tC\tend"));

        Fixtures.Read read = Fixtures.read(file);

        assertEquals(List.of("1", "2", "3", "4", "5"), read.ids());
        assertEquals(0, read.stats().skipped());
        List<String> prompts = read.records().stream().map(r -> r.turns().getFirst().text()).toList();
        assertEquals(List.of(
                "He said \"yes\"\nA. red\nB. blue",
                "line one\nline two\twith tab\nA. x\nB. y\nC. z",
                "abcdef\nsay \"hi\" now\nA. p\nB. q\nC. r\nD. s",
                "crlf row\nA. one\nB. two",
                "none\nlast\nD. -"), prompts);
        Record first = read.records().getFirst();
        assertEquals(new Turn(Role.ASSISTANT, "A"), first.turns().get(1));
        assertEquals(List.of("index", "question", "hint", "A", "B", "C", "D", "answer", "category"),
                List.copyOf(first.fields().keySet()));
        assertEquals("color", first.fields().get("category"));
        assertEquals("cr", read.records().get(3).fields().get("category"));
        assertEquals(List.of("row 1", "row 2", "row 3", "row 4", "row 5"),
                read.records().stream().map(r -> r.provenance().location()).toList());
        assertTrue(first.images().isEmpty());
    }

    @Test
    void base64ImagesBecomeBytesAndLeadThePrompt() throws IOException {
        Path file = Fixtures.write(tmp.resolve("mmb.tsv"), tsv(
                row("index", "question", "hint", "A", "B", "answer", "image", "split"),
                row(10, "What colour?", "Look closely.", "red", "green", "B", b64(1), "dev"),
                row(11, "Two images?", "", "yes", "no", "", "['" + b64(2) + "', '" + b64(3) + "']", "dev")));

        Fixtures.Read read = Fixtures.read(file);

        Record a = read.records().get(0);
        assertEquals("<image>\nLook closely.\nWhat colour?\nA. red\nB. green", a.turns().get(0).text());
        assertEquals(1, a.placeholderCount());
        ImageSource.Bytes img = assertInstanceOf(ImageSource.Bytes.class, a.images().getFirst());
        assertArrayEquals(image(1), img.data());
        assertFalse(a.fields().containsKey("image"), "the base64 cell is not copied into fields");
        assertEquals("dev", a.fields().get("split"));
        Record b = read.records().get(1);
        assertEquals("<image>\n<image>\nTwo images?\nA. yes\nB. no", b.turns().getFirst().text());
        assertEquals(1, b.turns().size(), "no answer, no assistant turn");
        assertArrayEquals(image(3), ((ImageSource.Bytes) b.images().get(1)).data());
    }

    @Test
    void mixedTableSkipsBadRowsAndResolvesMmbenchReferencesBothWays() throws IOException {
        Path file = Fixtures.write(tmp.resolve("mixed.tsv"), tsv(
                row("index", "question", "A", "B", "answer", "image"),
                row(1, "q1", "a", "b", "A", "2000001"),                 // row 1: refers forward to 2000001
                row(2, "q2", "a", "b", "A", b64(2)),                    // row 2
                row(3, "q3", "a", "b"),                                 // row 3: too few fields
                row(4, "q4", "a", "b", "A", "!!!not base64!!!" + "x".repeat(60)), // row 4: invalid base64
                row(5, "q5", "a", "b", "A", b64(5), "extra"),           // row 5: too many fields
                row(2000001, "q1 again", "b", "a", "B", b64(1)),        // row 6: holds the image row 1 needed
                row(1000002, "q2 again", "b", "a", "B", "2"),           // row 7: refers back to 2
                row(1000003, "q3", "b", "a", "B", "999"),               // row 8: refers to no such index
                row(1000004, "q4", "b", "a", "B", "4"),                 // row 9: refers to the invalid one
                row(3000002, "q2 third", "a", "b", "A", "2")));         // row 10: the last reference to 2

        Fixtures.Read read = Fixtures.read(file);

        assertEquals(List.of("1", "2", "2000001", "1000002", "3000002"), read.ids());
        assertEquals(List.of("row 3 WRONG_COLUMN_COUNT", "row 4 INVALID_BASE64", "row 5 WRONG_COLUMN_COUNT",
                "row 8 MISSING_IMAGE", "row 9 MISSING_IMAGE"), read.skips());
        assertArrayEquals(image(1), ((ImageSource.Bytes) read.records().get(0).images().getFirst()).data());
        assertArrayEquals(image(2), ((ImageSource.Bytes) read.records().get(3).images().getFirst()).data());
        assertArrayEquals(image(2), ((ImageSource.Bytes) read.records().get(4).images().getFirst()).data());
        assertTrue(read.stats().skippedRecords().get(3).detail().contains("'999'"),
                read.stats().skippedRecords().get(3).detail());
    }

    /** A referenced image is held only until its last reference: memory is what later rows still need. */
    @Test
    void referencedImagesAreReleasedAfterTheirLastReference() throws IOException {
        Path file = Fixtures.write(tmp.resolve("held.tsv"), tsv(
                row("index", "question", "image"),
                row(1, "q", b64(1)),
                row(2, "q", b64(2)),
                row(3, "q", b64(3)),
                row(1000001, "q", "1"),
                row(1000002, "q", "2"),
                row(2000001, "q", "1")));
        List<Integer> held = new ArrayList<>();
        try (var reader = new VlmEvalTsvReader(file, ReaderOptions.DEFAULTS, new ReadStats(10))) {
            while (reader.next() != null) {
                held.add(reader.imagesHeld());
            }
            assertNull(reader.next());
        }
        // image 3 is never referenced, so never held; 1 is held until its second reference
        assertEquals(List.of(1, 2, 2, 2, 1, 0), held);
    }

    @Test
    void imagePathsAreLocatedInsideTheImageRoot() throws IOException {
        Path root = tmp.resolve("LMUData/images/Bench");
        Fixtures.image(root.resolve("1.jpg"));
        Fixtures.image(root.resolve("2.jpg"));
        Fixtures.image(tmp.resolve("outside.jpg"));
        Path file = Fixtures.write(tmp.resolve("LMUData/Bench.tsv"), tsv(
                row("index", "question", "image_path", "answer"),
                row(1, "one", "1.jpg", "x"),
                row(2, "escape", "../../outside.jpg", "x"),
                row(3, "two", "['1.jpg', '2.jpg']", "x"),
                row(4, "missing", "3.jpg", "x"),
                row(5, "no image", "", "x")));

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withImageRoot(root), file);

        assertEquals(List.of("1", "3", "5"), read.ids());
        assertEquals(List.of("row 2 IMAGE_OUTSIDE_ROOT", "row 4 MISSING_IMAGE"), read.skips());
        assertEquals(List.of(new ImageSource.File(root.resolve("1.jpg").toRealPath()),
                new ImageSource.File(root.resolve("2.jpg").toRealPath())), read.records().get(1).images());
        assertEquals("no image", read.records().get(2).turns().getFirst().text());
        assertEquals("", read.records().get(2).fields().get("image_path"));
    }

    @Test
    void anUnclosedQuoteKeepsTheRowsBeforeItAndTheNextFileIsRead() throws IOException {
        Path broken = Fixtures.write(tmp.resolve("broken.tsv"), tsv(
                row("index", "question"), row(1, "fine"), row(2, "\"never closed"), row(3, "lost")));
        Path next = Fixtures.write(tmp.resolve("next.tsv"), tsv(row("index", "question"), row(9, "after")));

        Fixtures.Read read = Fixtures.read(broken, next);

        assertEquals(List.of("1", "9"), read.ids());
        assertEquals(List.of("broken.tsv row 2 TRUNCATED"), read.skipsWithFiles());
    }

    @Test
    void aRowLongerThanTheRawLimitEndsTheFileWithoutBeingHeld() throws IOException {
        Path file = Fixtures.write(tmp.resolve("long.tsv"), tsv(
                row("index", "question"), row(1, "short"), row(2, "\"" + "q".repeat(200_000) + "\""), row(3, "after")));

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withMaxRawBytes(1000), file);

        assertEquals(List.of("1"), read.ids());
        assertEquals(List.of("row 2 TOO_LONG"), read.skips());
    }

    @Test
    void aTableWithoutAQuestionColumnIsOneSkipNamingItsColumns() throws IOException {
        Path file = Fixtures.write(tmp.resolve("odd.tsv"), tsv(row("index", "prompt"), row(1, "x")));
        Path empty = Fixtures.write(tmp.resolve("empty.tsv"), "");

        Fixtures.Read read = Fixtures.read(file, empty);

        assertTrue(read.records().isEmpty());
        assertEquals(List.of("odd.tsv header MALFORMED_RECORD", "empty.tsv header MALFORMED_RECORD"),
                read.skipsWithFiles());
        assertTrue(read.stats().skippedRecords().getFirst().detail().contains("index, prompt"));
    }

    @Test
    void aRecordOverTheCharacterLimitIsSkipped() throws IOException {
        Path file = Fixtures.write(tmp.resolve("chars.tsv"), tsv(
                row("index", "question", "answer"), row(1, "short", "a"), row(2, "l".repeat(500), "a"), row(3, "ok", "b")));

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withMaxRecordChars(100), file);

        assertEquals(List.of("1", "3"), read.ids());
        assertEquals(List.of("row 2 TOO_LONG"), read.skips());
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstColumnName() throws IOException {
        Path file = tmp.resolve("bom.tsv");
        java.nio.file.Files.write(file, ("\uFEFF" + tsv(row("index", "question"), row(7, "q")))
                .getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of("7"), Fixtures.read(file).ids());
    }

    @Test
    void pythonListCellsAreReadAsVlmEvalKitDoes() throws RecordRejected {
        assertEquals(List.of("a.jpg"), VlmEvalTsvReader.listOrOne("a.jpg", "f"));
        assertEquals(List.of("a", "b c"), VlmEvalTsvReader.listOrOne("['a', \"b c\"]", "f"));
        assertEquals(List.of("a"), VlmEvalTsvReader.listOrOne(" ['a',] ", "f"));
        for (String bad : List.of("[a, b]", "['a' 'b']", "[]", "['a', 'b]")) {
            RecordRejected e = org.junit.jupiter.api.Assertions.assertThrows(RecordRejected.class,
                    () -> VlmEvalTsvReader.listOrOne(bad, "f"), bad);
            assertEquals(SkipReason.MALFORMED_RECORD, e.reason);
        }
    }
}
