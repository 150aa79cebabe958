package org.vlmdistill.datasets.read;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fresh random data each run (the seed is in every failure message): whatever mix of good and bad
 * lines a file holds, the good ones are delivered in order with their content, and each bad one is
 * skipped with its line and the reason it was made bad for.
 */
class ReaderPropertyTest {
    private static final int MAX_CHARS = 2000;
    private static final String[] WORDS = {"the", "cat", "sits", "on", "a", "mat", "ünïcödé", "\"quoted\"", "back\\slash",
            "tab\there", "new\nline", "😀", "<b>", "{json}", "[x]", "日本語", "…"};

    @TempDir
    Path tmp;

    private final ObjectMapper json = new ObjectMapper();

    private record Expected(List<String> ids, List<List<Turn>> turns, List<String> skips) {}

    private static String text(SplittableRandom r, int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return b.toString();
    }

    /** A good record: 2 to 4 turns, 0 to 2 existing images with as many placeholders (or LLaVA's implicit one). */
    private ObjectNode good(SplittableRandom r, String id, List<Turn> expected) {
        ObjectNode o = json.createObjectNode().put("id", id);
        int images = r.nextInt(3);
        boolean implicit = images == 1 && r.nextBoolean();
        if (images == 1 && r.nextBoolean()) {
            o.put("image", "img/" + r.nextInt(3) + ".jpg");
        } else if (images > 0) {
            ArrayNode list = o.putArray("images");
            for (int i = 0; i < images; i++) {
                list.add("img/" + r.nextInt(3) + ".jpg");
            }
        }
        ArrayNode conv = o.putArray("conversations");
        int turns = 2 + r.nextInt(3);
        boolean system = turns % 2 == 1;
        boolean first = true;
        for (int t = 0; t < turns; t++) {
            Role role = system && t == 0 ? Role.SYSTEM : (t - (system ? 1 : 0)) % 2 == 0 ? Role.USER : Role.ASSISTANT;
            String value = text(r, 1 + r.nextInt(12));
            String delivered = value;
            if (role == Role.USER && first) {
                first = false;
                if (implicit) {
                    delivered = "<image>\n" + value;
                } else {
                    value = "<image>\n".repeat(images) + value;
                    delivered = value;
                }
            }
            String from = switch (role) {
                case SYSTEM -> "system";
                case USER -> r.nextBoolean() ? "human" : "user";
                case ASSISTANT -> r.nextBoolean() ? "gpt" : "assistant";
            };
            conv.addObject().put("from", from).put("value", value);
            expected.add(new Turn(role, delivered));
        }
        return o;
    }

    private Expected writeMixed(Path file, SplittableRandom r) throws IOException {
        List<String> lines = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<List<Turn>> turns = new ArrayList<>();
        List<String> skips = new ArrayList<>();
        int n = 50 + r.nextInt(150);
        for (int i = 1; i <= n; i++) {
            String id = "r" + i;
            List<Turn> expected = new ArrayList<>();
            ObjectNode o = good(r, id, expected);
            int kind = r.nextInt(20);
            String line;
            SkipReason reason = null;
            switch (kind) {
                case 0 -> {
                    String whole = o.toString();
                    int cut = 1 + r.nextInt(whole.length() - 1);
                    if (Character.isHighSurrogate(whole.charAt(cut - 1))) {
                        cut--; // a lone half of an emoji cannot be written as UTF-8
                    }
                    line = whole.substring(0, cut);
                    reason = SkipReason.MALFORMED_JSON;
                }
                case 1 -> {
                    ((ObjectNode) o.withArray("conversations").get(0)).put("from", "bot" + r.nextInt(9));
                    line = o.toString();
                    reason = SkipReason.UNKNOWN_ROLE;
                }
                case 2 -> {
                    if (r.nextBoolean()) {
                        o.remove("conversations");
                    } else {
                        ((ObjectNode) o.withArray("conversations").get(0)).put("value", r.nextInt());
                    }
                    line = o.toString();
                    reason = SkipReason.MALFORMED_RECORD;
                }
                case 3 -> {
                    o.remove("image");
                    o.putArray("images").add("img/0.jpg").add("img/1.jpg").add("img/2.jpg");
                    line = o.toString();
                    reason = SkipReason.IMAGE_COUNT_MISMATCH; // at most 2 placeholders were written
                }
                case 4 -> {
                    o.remove("images");
                    o.put("image", "img/missing-" + i + ".jpg");
                    ((ObjectNode) o.withArray("conversations").get(0)).put("value", "<image>");
                    stripPlaceholders(o);
                    line = o.toString();
                    reason = SkipReason.MISSING_IMAGE;
                }
                case 5 -> {
                    o.remove("images");
                    o.put("image", r.nextBoolean() ? "../outside.jpg" : tmp.resolve("outside.jpg").toString());
                    stripPlaceholders(o);
                    line = o.toString();
                    reason = SkipReason.IMAGE_OUTSIDE_ROOT;
                }
                case 6 -> {
                    var conv = o.withArray("conversations"); // the last turn is the assistant's: no placeholders
                    ((ObjectNode) conv.get(conv.size() - 1)).put("value", "z".repeat(MAX_CHARS + 1));
                    line = o.toString();
                    reason = SkipReason.TOO_LONG;
                }
                case 7 -> line = " ".repeat(r.nextInt(3)); // blank: not a record, not a skip
                default -> line = o.toString();
            }
            lines.add(line);
            if (reason != null) {
                skips.add("line " + i + " " + reason);
            } else if (kind != 7) {
                ids.add(id);
                turns.add(expected);
            }
        }
        Files.writeString(file, String.join("\n", lines) + (r.nextBoolean() ? "\n" : ""), StandardCharsets.UTF_8);
        return new Expected(ids, turns, skips);
    }

    /** Leaves one placeholder in the first turn and none elsewhere, for a single-image record. */
    private static void stripPlaceholders(ObjectNode o) {
        var conv = o.withArray("conversations");
        for (int t = 0; t < conv.size(); t++) {
            ObjectNode turn = (ObjectNode) conv.get(t);
            String v = turn.get("value").asText().replace("<image>\n", "").replace("<image>", "");
            turn.put("value", t == 0 ? "<image>\n" + v : v);
        }
    }

    @RepeatedTest(25)
    void goodLinesAreDeliveredInOrderAndBadOnesSkippedWithTheirLine() throws IOException {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom r = new SplittableRandom(seed);
        Path dir = tmp.resolve("data");
        for (int i = 0; i < 3; i++) {
            Fixtures.image(dir.resolve("img/" + i + ".jpg"));
        }
        Fixtures.image(tmp.resolve("outside.jpg"));
        Expected expected = writeMixed(dir.resolve("mixed.jsonl"), r);

        Fixtures.Read read = Fixtures.read(ReaderOptions.DEFAULTS.withMaxRecordChars(MAX_CHARS), dir.resolve("mixed.jsonl"));

        assertEquals(expected.ids(), read.ids(), "seed " + seed);
        assertEquals(expected.turns(), read.records().stream().map(Record::turns).toList(), "seed " + seed);
        assertEquals(expected.skips(), read.skips(), "seed " + seed);
    }

    /** A JSON array cut at any byte: the elements that end before the cut, then one skip for the rest. */
    @RepeatedTest(25)
    void anArrayCutAnywhereDeliversTheElementsBeforeTheCut() throws IOException {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder whole = new StringBuilder("[\n");
        List<Integer> ends = new ArrayList<>();
        int n = 1 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            whole.append(i == 0 ? "" : ",\n").append(Fixtures.llava("e" + i, null, "q" + "?".repeat(r.nextInt(40)),
                    "a".repeat(r.nextInt(40))));
            ends.add(whole.length());
        }
        whole.append("\n]\n");
        int cut = 1 + r.nextInt(whole.length() - 1);
        Path file = Fixtures.write(tmp.resolve("cut.json"), whole.substring(0, cut));

        Fixtures.Read read = Fixtures.read(file);

        long complete = ends.stream().filter(e -> e <= cut).count();
        boolean closed = cut > whole.lastIndexOf("]");
        assertEquals(complete, read.records().size(), "seed " + seed + ", cut " + cut);
        assertEquals(closed ? 0 : 1, read.stats().skipped(), "seed " + seed + ", cut " + cut + ": " + read.skips());
        if (!closed) {
            assertEquals(SkipReason.TRUNCATED, read.stats().skippedRecords().getFirst().reason(),
                    "seed " + seed + ", cut " + cut + ": " + read.stats().skippedRecords());
        }
    }
}
