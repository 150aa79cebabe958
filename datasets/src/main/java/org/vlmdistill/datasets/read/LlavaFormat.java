package org.vlmdistill.datasets.read;

import com.fasterxml.jackson.databind.JsonNode;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LLaVA's conversation record, shared by the {@code .json}/{@code .jsonl} readers and WebDataset
 * {@code .json} members:
 * <pre>{"id": ..., "image": "rel/path.jpg" | ["a.jpg", ...], "images": [...],
 *  "conversations": [{"from": "human"|"gpt"|"system", "value": "&lt;image&gt;\n..."}, ...]}</pre>
 * {@code image} may be a list as in LLaVA-NeXT/OneVision data; {@code id} may be a number, or absent
 * (the record's location stands in). Every other key is kept in {@code fields}.
 */
final class LlavaFormat {
    private LlavaFormat() {}

    /** A conversation before its images are located. */
    record Conversation(String id, List<Turn> turns, List<String> imagePaths, Map<String, String> fields) {}

    static Conversation parse(JsonNode node, String fallbackId) throws RecordRejected {
        if (!node.isObject()) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, "a record is a JSON object, not " + kind(node));
        }
        String id = fallbackId;
        JsonNode idNode = node.get("id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual() && !idNode.isIntegralNumber()) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, "id: expected a string or integer, got "
                        + kind(idNode));
            }
            id = idNode.asText();
        }
        String where = "record " + id + ": ";
        if (node.hasNonNull("image") && node.hasNonNull("images")) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, where + "has both image and images");
        }
        List<String> images = new ArrayList<>();
        for (String key : List.of("image", "images")) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                continue;
            }
            if (v.isTextual()) {
                images.add(v.asText());
            } else if (v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    if (!v.get(i).isTextual()) {
                        throw new RecordRejected(SkipReason.MALFORMED_RECORD, where + key + "[" + i
                                + "]: expected a path string, got " + kind(v.get(i)));
                    }
                    images.add(v.get(i).asText());
                }
            } else {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, where + key
                        + ": expected a path string or a list of them, got " + kind(v));
            }
        }
        JsonNode conv = node.get("conversations");
        if (conv == null || conv.isNull()) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, where + "no conversations");
        }
        if (!conv.isArray() || conv.isEmpty()) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, where + "conversations: expected a non-empty list, got "
                    + (conv.isArray() ? "an empty one" : kind(conv)));
        }
        List<Turn> turns = new ArrayList<>(conv.size());
        for (int i = 0; i < conv.size(); i++) {
            JsonNode t = conv.get(i);
            String field = where + "conversations[" + i + "]";
            if (!t.isObject()) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + ": expected an object, got " + kind(t));
            }
            JsonNode from = t.get("from");
            JsonNode value = t.get("value");
            if (from == null || !from.isTextual()) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + ".from: expected a string, got "
                        + kind(from));
            }
            if (value == null || !value.isTextual()) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + ".value: expected a string, got "
                        + kind(value));
            }
            Role role;
            try {
                role = Role.parse(from.asText());
            } catch (IllegalArgumentException e) {
                throw new RecordRejected(SkipReason.UNKNOWN_ROLE, field + ".from: " + e.getMessage());
            }
            turns.add(new Turn(role, value.asText()));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (var e : node.properties()) {
            switch (e.getKey()) {
                case "id", "image", "images", "conversations" -> { }
                default -> fields.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        return new Conversation(id, turns, images, fields);
    }

    /**
     * The turns with exactly one placeholder per image. LLaVA's convention for a record with one image
     * and no {@code <image>} is to show it before the first human turn, so {@code "<image>\n"} is prepended
     * there (LLaVA's {@code preprocess_multimodal} likewise moves the placeholder to the front of its
     * turn). With several images there is no convention for where each goes, so a missing placeholder
     * is a mismatch.
     *
     * @throws RecordRejected {@link SkipReason#IMAGE_COUNT_MISMATCH}
     */
    static List<Turn> placeImages(String id, List<Turn> turns, int images) throws RecordRejected {
        int placeholders = turns.stream().mapToInt(Turn::imageCount).sum();
        if (images == 1 && placeholders == 0) {
            List<Turn> placed = new ArrayList<>(turns);
            for (int i = 0; i < placed.size(); i++) {
                if (placed.get(i).role() == Role.USER) {
                    placed.set(i, new Turn(Role.USER, Turn.IMAGE_PLACEHOLDER + "\n" + placed.get(i).text()));
                    return placed;
                }
            }
        }
        if (placeholders != images) {
            throw new RecordRejected(SkipReason.IMAGE_COUNT_MISMATCH, "record " + id + ": " + images + " image"
                    + (images == 1 ? "" : "s") + " but " + placeholders + " " + Turn.IMAGE_PLACEHOLDER + " placeholder"
                    + (placeholders == 1 ? "" : "s"));
        }
        return turns;
    }

    /** @throws RecordRejected {@link SkipReason#TOO_LONG} when the turns exceed {@code maxChars} */
    static void checkLength(String id, List<Turn> turns, int maxChars) throws RecordRejected {
        long chars = 0;
        for (Turn t : turns) {
            chars += t.text().length();
        }
        if (chars > maxChars) {
            throw new RecordRejected(SkipReason.TOO_LONG, "record " + id + ": " + chars
                    + " characters of text, limit " + maxChars);
        }
    }

    /** A record with its images located under {@code root}; checks in order of cost, the file system last. */
    static Record toRecord(JsonNode node, String fallbackId, Provenance provenance, ImageRoot root,
                           ReaderOptions options) throws RecordRejected {
        Conversation c = parse(node, fallbackId);
        List<Turn> turns = placeImages(c.id(), c.turns(), c.imagePaths().size());
        checkLength(c.id(), turns, options.maxRecordChars());
        List<ImageSource> images = new ArrayList<>(c.imagePaths().size());
        for (int i = 0; i < c.imagePaths().size(); i++) {
            String field = "record " + c.id() + ": " + (c.imagePaths().size() == 1 ? "image" : "image[" + i + "]");
            images.add(root.resolve(field, c.imagePaths().get(i)));
        }
        return new Record(c.id(), turns, images, c.fields(), provenance);
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
