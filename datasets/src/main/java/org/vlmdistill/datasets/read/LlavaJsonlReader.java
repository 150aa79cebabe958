package org.vlmdistill.datasets.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.datasets.record.Record;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * LLaVA conversations, one JSON object per line ({@link LlavaFormat}). Provenance: {@code "line N"},
 * counting every physical line from 1, blank ones included (blank lines are not records and are not
 * counted as skips), so {@code sed -n Np} shows the record.
 */
final class LlavaJsonlReader extends FormatReader {
    private final LineInput lines;
    private final ObjectMapper mapper;
    private final ImageRoot root;

    LlavaJsonlReader(Path file, ReaderOptions options, ReadStats stats) throws IOException {
        super(file, options, stats);
        this.lines = new LineInput(Files.newInputStream(file), options.maxRawBytes());
        this.mapper = Json.mapper(options, true);
        this.root = new ImageRoot(options.imageRootFor(file));
    }

    @Override
    Record next() throws IOException {
        while (lines.next()) {
            String location = "line " + lines.lineNumber();
            if (lines.tooLong()) {
                skip(location, SkipReason.TOO_LONG, lines.length() + " bytes, more than the raw record limit of "
                        + options.maxRawBytes());
                continue;
            }
            if (lines.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = mapper.readTree(lines.text());
            } catch (CharacterCodingException e) {
                skip(location, SkipReason.MALFORMED_JSON, "not UTF-8 text");
                continue;
            } catch (JsonProcessingException e) {
                skip(location, SkipReason.MALFORMED_JSON, Json.describe(e));
                continue;
            }
            try {
                return LlavaFormat.toRecord(node, location, at(location), root, options);
            } catch (RecordRejected r) {
                skip(location, r);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
