package org.vlmdistill.distill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.core.io.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per optimizer step, flushed as it is written, so a crash
 * loses at most the line being written. Non-finite numbers are written as strings ("NaN",
 * "Infinity") since JSON has none.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Opens {@code file} for appending after keeping only its complete lines whose {@code step} is at
     * most {@code keepThroughStep} (a resumed run drops what the killed one logged past its checkpoint;
     * a new run passes 0 and starts empty).
     */
    public static MetricsLog open(Path file, long keepThroughStep) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<String> kept = new ArrayList<>();
        for (JsonNode n : read(file)) {
            if (n.path("step").asLong(Long.MAX_VALUE) <= keepThroughStep) {
                kept.add(JSON.writeValueAsString(n));
            }
        }
        AtomicFiles.write(file, (String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"))
                .getBytes(StandardCharsets.UTF_8), AtomicFiles.Durability.SYNC);
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    /** The complete lines of {@code file} (none when it does not exist); a torn last line is left out. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                lines.add(JSON.readTree(line));
            } catch (IOException torn) {
                // a line cut by a kill: nothing after it was written either
                break;
            }
        }
        return lines;
    }

    public Path file() {
        return file;
    }

    public void write(ObjectNode line) throws IOException {
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw AtomicFiles.naming(file, e); // a full disk says only "No space left on device"
        }
    }

    /** {@code value}, or its name as a string when it is not finite. */
    public static void put(ObjectNode line, String key, double value) {
        if (Double.isFinite(value)) {
            line.put(key, value);
        } else {
            line.put(key, Double.toString(value));
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
