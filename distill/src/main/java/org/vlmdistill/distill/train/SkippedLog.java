package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;
import org.vlmdistill.core.text.TerminalText;
import org.vlmdistill.datasets.read.ReadStats;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.datasets.record.Provenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A run's {@code skipped.jsonl}: one JSON object per record the run left out, in the order met, with its
 * place and reason, as {@code vlmd data check} lists them:
 *
 * <pre>{"file": "/data/train.json", "location": "element 3", "id": "a-17", "reason": "corrupt or truncated image",
 *  "code": "CORRUPT_IMAGE", "detail": "images/a-17.png: ...", "step": 0}</pre>
 *
 * {@code step} 0 for a record found before training (reading, or the check of every record before the
 * first step), else the optimizer step whose batch left it out. Strings from the data are escaped as
 * {@link TerminalText} escapes them for a terminal (the file is meant to be read with {@code cat}). When
 * more were skipped than were kept, a last object {@code {"not_named": N}} counts the rest. Written whole
 * and atomically each time, so a resumed run rewrites it rather than appending to it.
 */
public final class SkippedLog {
    public static final String FILE = "skipped.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SkippedLog() {}

    /** A skipped record and the step that left it out (0: before training). */
    public record Entry(SkippedRecord record, long step) {
    }

    /**
     * @param entries every kept skip, before training first
     * @param count   every skip counted; more than {@code entries.size()} when some were not kept
     */
    public static void write(Path file, List<Entry> entries, long count) throws IOException {
        try (AtomicFiles.TextFile out = AtomicFiles.openText(file, AtomicFiles.Durability.SYNC)) {
            for (Entry e : entries) {
                out.writeLine(JSON.writeValueAsString(toJson(e)));
            }
            if (count > entries.size()) {
                out.writeLine(JSON.writeValueAsString(JSON.createObjectNode().put("not_named", count - entries.size())));
            }
            out.commit();
        }
    }

    /** The records reading and the check before the start skipped (those {@code stats} kept), as step-0 entries. */
    public static List<Entry> beforeStart(ReadStats stats) {
        return stats.skippedRecords().stream().map(r -> new Entry(r, 0)).toList();
    }

    /** A {@code skipped.jsonl} as {@link #write} wrote it; the {@code not_named} count is left out. */
    public static List<Entry> read(Path file) throws IOException {
        List<Entry> out = new java.util.ArrayList<>();
        int line = 0;
        for (String text : java.nio.file.Files.readAllLines(file)) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(text);
                if (!n.has("not_named")) {
                    out.add(fromJson(n));
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(file + ": line " + line + " is not a skipped record: " + e.getMessage(), e);
            }
        }
        return out;
    }

    static ObjectNode toJson(Entry e) {
        SkippedRecord r = e.record();
        ObjectNode n = JSON.createObjectNode();
        n.put("file", TerminalText.escape(r.provenance().file().toString()));
        n.put("location", TerminalText.escape(r.provenance().location()));
        n.put("id", TerminalText.escape(r.id()));
        n.put("reason", r.reason().label());
        n.put("code", r.reason().name());
        n.put("detail", TerminalText.escape(r.detail()));
        n.put("step", e.step());
        return n;
    }

    /** An entry as {@link #toJson} wrote it (a checkpoint keeps the skips met while training this way). */
    static Entry fromJson(JsonNode n) {
        SkippedRecord r = new SkippedRecord(new Provenance(Path.of(n.path("file").asText()), n.path("location").asText()),
                n.path("id").asText(), SkipReason.valueOf(n.path("code").asText()), n.path("detail").asText());
        return new Entry(r, n.path("step").asLong());
    }
}
