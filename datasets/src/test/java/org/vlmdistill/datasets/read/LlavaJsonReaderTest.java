package org.vlmdistill.datasets.read;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.record.Record;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.datasets.read.Fixtures.llava;

class LlavaJsonReaderTest {
    @TempDir
    Path tmp;

    private Path array(String name, String... elements) {
        return Fixtures.write(tmp.resolve(name), "[\n" + String.join(",\n", elements) + "\n]\n");
    }

    @Test
    void streamsTheArrayElementByElement() throws IOException {
        Fixtures.image(tmp.resolve("images/a.jpg"));
        Path file = array("llava.json",
                llava("a", "images/a.jpg", "<image>\nWhat?", "That."),
                llava("b", null, "Text only", "ok"));

        Fixtures.Read read = Fixtures.read(file);

        assertEquals(List.of("a", "b"), read.ids());
        assertEquals(List.of("element 0 (line 2)", "element 1 (line 3)"),
                read.records().stream().map(r -> r.provenance().location()).toList());
        assertEquals(1, read.records().getFirst().images().size());
    }

    @Test
    void mixedArraySkipsEachInvalidElementAndKeepsEveryValidOne() throws IOException {
        Fixtures.image(tmp.resolve("images/a.jpg"));
        Fixtures.image(tmp.resolve("secret/s.jpg"));
        Path file = array("mixed.json",
                llava("g0", "images/a.jpg", "<image>\nQ", "A"),                                  // 0
                "\"just a string\"",                                                              // 1
                "{\"id\": \"nested\", \"conversations\": {\"from\": \"human\"}}",                // 2 wrong type
                llava("g1", null, "Q", "A"),                                                      // 3
                "{\"id\": [1], \"conversations\": [{\"from\": \"human\", \"value\": \"x\"}]}",   // 4 id is a list
                "{\"id\": \"role\", \"conversations\": [{\"from\": \"narrator\", \"value\": \"x\"}]}", // 5
                llava("count", null, "<image> but no image", "A"),                                // 6
                llava("escape", "images/../../etc/passwd", "<image>", "A"),                      // 7
                llava("missing", "images/none.jpg", "<image>", "A"),                             // 8
                "{\"id\": \"g2\", \"image\": \"images/a.jpg\", \"conversations\": [{\"from\": \"human\", \"value\": "
                        + "\"<image>\\nQ\"}, {\"from\": \"gpt\", \"value\": \"A\"}], \"extra\": {\"k\": [1, 2]}}", // 9
                "[\"an\", \"array\"]");                                                          // 10

        Fixtures.Read read = Fixtures.read(file);

        assertEquals(List.of("g0", "g1", "g2"), read.ids());
        assertEquals(List.of(
                "element 1 (line 3) MALFORMED_RECORD",
                "element 2 (line 4) MALFORMED_RECORD",
                "element 4 (line 6) MALFORMED_RECORD",
                "element 5 (line 7) UNKNOWN_ROLE",
                "element 6 (line 8) IMAGE_COUNT_MISMATCH",
                "element 7 (line 9) IMAGE_OUTSIDE_ROOT",
                "element 8 (line 10) MISSING_IMAGE",
                "element 10 (line 12) MALFORMED_RECORD"), read.skips());
        assertEquals("{\"k\":[1,2]}", read.records().get(2).fields().get("extra"));
    }

    @Test
    void anArrayCutInTheMiddleKeepsWhatCameBeforeAndTheNextFileIsRead() throws IOException {
        String whole = "[\n" + llava("a", null, "Q", "A") + ",\n" + llava("b", null, "Q", "A") + ",\n"
                + llava("c", null, "Q", "A") + "\n]\n";
        Path cut = Fixtures.write(tmp.resolve("cut.json"), whole.substring(0, whole.indexOf("\"c\"") + 20));
        Path next = array("next.json", llava("d", null, "Q", "A"));

        Fixtures.Read read = Fixtures.read(cut, next);

        assertEquals(List.of("a", "b", "d"), read.ids());
        assertEquals(List.of("cut.json element 2 (line 4) TRUNCATED"), read.skipsWithFiles());
    }

    @Test
    void aSyntaxErrorInsideTheArrayEndsTheFileAsOneSkip() throws IOException {
        Path file = Fixtures.write(tmp.resolve("bad.json"), "[" + llava("a", null, "Q", "A") + ",\n"
                + "{\"id\": \"b\" \"conversations\": []},\n" + llava("c", null, "Q", "A") + "]");

        Fixtures.Read read = Fixtures.read(file);

        assertEquals(List.of("a"), read.ids());
        assertEquals(List.of("element 1 (line 2) MALFORMED_JSON"), read.skips());
        assertTrue(read.stats().skippedRecords().getFirst().detail().contains("line 2"),
                read.stats().skippedRecords().getFirst().detail());
    }

    @Test
    void aFileThatIsNotAnArrayIsOneSkip() throws IOException {
        Path object = Fixtures.write(tmp.resolve("object.json"), llava("a", null, "Q", "A"));
        Path empty = Fixtures.write(tmp.resolve("empty.json"), "");
        Path trailing = Fixtures.write(tmp.resolve("trailing.json"), "[" + llava("t", null, "Q", "A") + "] {}");

        Fixtures.Read read = Fixtures.read(object, empty, trailing);

        assertEquals(List.of("t"), read.ids());
        assertEquals(List.of("object.json start MALFORMED_JSON", "empty.json start MALFORMED_JSON",
                "trailing.json after element 0 MALFORMED_JSON"), read.skipsWithFiles());
    }

    @Test
    void anElementWithAStringLongerThanTheRawLimitEndsTheFile() throws IOException {
        Path file = array("long.json", llava("a", null, "Q", "A"), llava("b", null, "Q", "z".repeat(5000)),
                llava("c", null, "Q", "A"));

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withMaxRawBytes(1000), file);

        assertEquals(List.of("a"), read.ids());
        assertEquals(List.of("element 1 (line 3) TOO_LONG"), read.skips());
    }

    @Test
    void recordsOfManyElementsAreDeliveredInOrder() throws IOException {
        String[] elements = new String[500];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = llava("r" + i, null, "Question " + i, "Answer " + i);
        }
        Fixtures.Read read = Fixtures.read(array("many.json", elements));

        assertEquals(500, read.records().size());
        Record last = read.records().getLast();
        assertEquals("r499", last.id());
        assertEquals("element 499 (line 501)", last.provenance().location());
    }
}
