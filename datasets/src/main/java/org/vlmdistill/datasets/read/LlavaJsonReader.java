package org.vlmdistill.datasets.read;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.datasets.record.Record;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * LLaVA conversations as one top-level JSON array ({@link LlavaFormat}), streamed: the parser walks
 * the array and only the current element becomes a tree. Provenance: {@code "element I (line L)"},
 * I counted from 0 as {@code json.load(f)[I]} would, L the line the element starts on.
 *
 * <p>An element that is valid JSON but not a valid record is one skip. A syntax error or the end of
 * the file inside the array cannot be stepped over (nothing marks where the next element starts), so
 * the elements before it are delivered and the rest of the file is one skip:
 * {@link SkipReason#TRUNCATED} when the file ends, {@link SkipReason#MALFORMED_JSON} otherwise.
 */
final class LlavaJsonReader extends FormatReader {
    private final JsonParser parser;
    private final ObjectMapper mapper;
    private final ImageRoot root;
    private long element = -1;
    private boolean started;
    private boolean done;

    LlavaJsonReader(Path file, ReaderOptions options, ReadStats stats) throws IOException {
        super(file, options, stats);
        this.mapper = Json.mapper(options, false);
        this.parser = mapper.createParser(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
        this.root = new ImageRoot(options.imageRootFor(file));
    }

    @Override
    Record next() throws IOException {
        while (!done) {
            String location = "element " + (element + 1);
            try {
                if (!started) {
                    started = true;
                    JsonToken first = parser.nextToken();
                    if (first != JsonToken.START_ARRAY) {
                        done = true;
                        skip("start", SkipReason.MALFORMED_JSON, first == null ? "empty file, expected a JSON array"
                                : "expected a top-level JSON array of records, found " + first.asString());
                        return null;
                    }
                    continue;
                }
                JsonToken token = parser.nextToken();
                if (token == JsonToken.END_ARRAY) {
                    done = true;
                    if (parser.nextToken() != null) {
                        skip("after element " + element, SkipReason.MALFORMED_JSON,
                                "text after the end of the top-level array");
                    }
                    return null;
                }
                if (token == null) {
                    throw new JsonEOFException(parser, null, "the array is not closed");
                }
                element++;
                location = "element " + element + " (line " + parser.currentTokenLocation().getLineNr() + ")";
                long startByte = parser.currentTokenLocation().getByteOffset();
                JsonNode node = mapper.readTree(parser);
                long bytes = parser.currentLocation().getByteOffset() - startByte;
                if (bytes > options.maxRawBytes()) {
                    skip(location, SkipReason.TOO_LONG, bytes + " bytes, more than the raw record limit of "
                            + options.maxRawBytes());
                    continue;
                }
                try {
                    return LlavaFormat.toRecord(node, "element " + element, at(location), root, options);
                } catch (RecordRejected r) {
                    skip(location, r);
                }
            } catch (StreamConstraintsException e) {
                done = true;
                skip(location, SkipReason.TOO_LONG, "a string longer than the raw record limit; the rest of the file "
                        + "is not read: " + Json.describe(e));
            } catch (JsonProcessingException e) {
                done = true;
                if (endsTheFile(e)) {
                    skip(location, SkipReason.TRUNCATED, "the file ends inside the array; the elements before this one "
                            + "were read: " + Json.describe(e));
                } else {
                    skip(location, SkipReason.MALFORMED_JSON, "the rest of the file is not read: " + Json.describe(e));
                }
            }
        }
        return null;
    }

    /** Jackson reports the end of input in several exception types; its position tells. */
    private boolean endsTheFile(JsonProcessingException e) throws IOException {
        String msg = String.valueOf(e.getOriginalMessage());
        return e instanceof JsonEOFException || msg.contains("end-of-input")
                || (e.getLocation() != null && e.getLocation().getByteOffset() >= Files.size(file));
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
