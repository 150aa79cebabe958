package org.vlmdistill.vlmd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.distill.data.TinyPair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The data the bad-record tests of {@code vlmd distill} and {@code vlmd teacher-logits} run on, made in
 * one directory per test class: the tiny pair's files and its 16 good Shapes records (real PNGs), and
 * seven records that cannot become samples, of several kinds: a 0-byte PNG, a truncated PNG, a text file
 * named .png, a PNG whose header is over the pixel limit, a missing file, a question that leaves no
 * labelled token under max_tokens, and two placeholders for one image.
 */
final class BadRecordsData {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int GOOD = 16; // four batches of 4
    /** Each bad record's id and the reason it must be skipped for. */
    static final Map<String, SkipReason> BAD = badReasons();

    final Path tmp;
    final TinyPair pair;
    final Path dataDir;
    final List<ObjectNode> good;

    private BadRecordsData(Path tmp, TinyPair pair, List<ObjectNode> good) {
        this.tmp = tmp;
        this.pair = pair;
        this.dataDir = pair.data.getParent();
        this.good = List.copyOf(good);
    }

    static BadRecordsData create(Path tmp) throws IOException {
        TinyPair pair = TinyPair.create(tmp, 11, GOOD);
        pair.close(); // only the files are needed
        Path dataDir = pair.data.getParent();
        List<ObjectNode> good = new ArrayList<>();
        for (String line : Files.readAllLines(pair.data)) {
            if (!line.isBlank()) {
                good.add((ObjectNode) JSON.readTree(line));
            }
        }
        assertEquals(GOOD, good.size());
        Path images = dataDir.resolve("images");
        byte[] png = Files.readAllBytes(dataDir.resolve(good.getFirst().get("image").asText()));

        Files.write(images.resolve("empty.png"), new byte[0]);
        Files.write(images.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        Files.writeString(images.resolve("text.png"), "not an image, only its name says so\n");
        byte[] bomb = png.clone(); // IHDR: width and height at bytes 16..23, its CRC over bytes 12..28 at 29
        ByteBuffer.wrap(bomb, 16, 8).putInt(100_000).putInt(100_000);
        CRC32 crc = new CRC32();
        crc.update(bomb, 12, 17);
        ByteBuffer.wrap(bomb, 29, 4).putInt((int) crc.getValue());
        Files.write(images.resolve("bomb.png"), bomb);
        return new BadRecordsData(tmp, pair, good);
    }

    private static Map<String, SkipReason> badReasons() {
        Map<String, SkipReason> bad = new LinkedHashMap<>();
        bad.put("bad-empty", SkipReason.CORRUPT_IMAGE);
        bad.put("bad-truncated", SkipReason.CORRUPT_IMAGE);
        bad.put("bad-text", SkipReason.CORRUPT_IMAGE); // "not a known image format"
        bad.put("bad-bomb", SkipReason.IMAGE_TOO_LARGE);
        bad.put("bad-missing", SkipReason.MISSING_IMAGE);
        bad.put("bad-long", SkipReason.TOO_LONG);
        bad.put("bad-placeholders", SkipReason.IMAGE_COUNT_MISMATCH);
        return Collections.unmodifiableMap(bad);
    }

    /** A good record's copy with another id and image, its question {@code question} when not null. */
    ObjectNode bad(String id, String image, String question) {
        ObjectNode r = good.getFirst().deepCopy();
        r.put("id", id);
        r.put("image", image);
        if (question != null) {
            ((ObjectNode) r.get("conversations").get(0)).put("value", question);
        }
        return r;
    }

    List<ObjectNode> badRecords() {
        String words = String.join(" ", Collections.nCopies(3000, "red circle"));
        return List.of(bad("bad-empty", "images/empty.png", null), bad("bad-truncated", "images/truncated.png", null),
                bad("bad-text", "images/text.png", null), bad("bad-bomb", "images/bomb.png", null),
                bad("bad-missing", "images/no-such-file.png", null),
                bad("bad-long", good.get(1).get("image").asText(), "<image>\n" + words + "?"),
                bad("bad-placeholders", good.get(2).get("image").asText(), "<image>\n<image>\nWhat is it?"));
    }

    /** A LLaVA JSON array, one element a line, beside the images; returns each id's element index. */
    static Map<String, Integer> write(Path file, List<ObjectNode> records) throws IOException {
        Map<String, Integer> at = new LinkedHashMap<>();
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < records.size(); i++) {
            b.append(JSON.writeValueAsString(records.get(i))).append(i + 1 < records.size() ? ",\n" : "\n");
            at.put(records.get(i).get("id").asText(), i);
        }
        Files.writeString(file, b.append("]\n"));
        return at;
    }

    /** The good records in order with the bad ones at random places among them. */
    List<ObjectNode> mixed(Random random) {
        List<ObjectNode> all = new ArrayList<>(good);
        for (ObjectNode bad : badRecords()) {
            all.add(random.nextInt(all.size() + 1), bad);
        }
        return all;
    }

    ObjectNode config(Path data, Path out) {
        ObjectNode c = JSON.createObjectNode();
        c.put("student", pair.studentDir.toString());
        c.put("teacher", pair.teacherDir.toString());
        c.put("data", data.toString());
        c.put("output", out.toString());
        c.put("seed", 5);
        c.put("batch_size", 4);
        c.putObject("loss").put("name", "fkl");
        c.putObject("optimizer").put("lr", 3e-3).put("weight_decay", 0.0);
        c.putArray("freeze").add("vision");
        c.putObject("checkpoint").put("every", 1).put("keep", 10);
        c.put("prefetch", 1);
        return c;
    }

    CliRun distill(ObjectNode config, String name, String... more) throws IOException {
        Path file = tmp.resolve(name + ".json");
        Files.writeString(file, config.toPrettyString());
        List<String> args = new ArrayList<>(List.of("distill", "--config", file.toString(), "--progress", "none"));
        args.addAll(List.of(more));
        return CliRun.run(args.toArray(String[]::new));
    }

    static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
