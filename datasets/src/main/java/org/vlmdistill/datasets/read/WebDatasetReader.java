package org.vlmdistill.datasets.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One WebDataset shard, member by member. As in WebDataset's {@code group_by_keys}, a member's key
 * is its name up to the first dot of the base name and the rest is its extension
 * ({@code dir/000123.seg.png}: key {@code dir/000123}, extension {@code seg.png}); consecutive members
 * with one key form a sample. Samples do not continue across shards.
 *
 * <p>Sample to record: a {@code .json} with LLaVA {@code conversations} is a conversation over the
 * sample's images (its own {@code image} and {@code id} keys, from the original data set, are kept as
 * fields; the record's id is the tar key);
 * a {@code .json} with {@code caption} or {@code txt}, or else a {@code .txt} member, is a caption: the
 * user turn is {@link ReaderOptions#captionPrompt()}, the assistant turn the caption. Images are the
 * members whose last extension is jpg, jpeg, png or webp, in member order, carried as bytes. Other
 * members that are UTF-8 text ({@code .cls}, {@code .txt}, ...) are kept in {@code fields} under their
 * extension, as are the {@code .json}'s other keys.
 *
 * <p>A sample with images and no text, or text and no image, is {@link SkipReason#UNPAIRED_MEMBER}.
 * Provenance: {@code "member NAME"} or {@code "members NAME, NAME"}. A shard that ends inside a header
 * or a member keeps the samples before and reports the rest (the sample being read included) as one
 * {@link SkipReason#TRUNCATED}; a shard that simply lacks tar's end-of-archive blocks is read to its
 * last member, as tar itself does.
 */
final class WebDatasetReader extends FormatReader {
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp");

    /** WebDataset's {@code base_plus_ext}: the key may not be empty and ends at the base name's first dot. */
    private static final Pattern KEY_EXT = Pattern.compile("^((?:.*/|)[^./][^.]*)\\.([^/]*)$");

    private final Shard tar;
    private final ObjectMapper mapper;
    private Sample pending;
    private String lastMember;
    private boolean done;

    WebDatasetReader(Path file, ReaderOptions options, ReadStats stats) throws IOException {
        super(file, options, stats);
        this.tar = new Shard(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
        this.mapper = Json.mapper(options, true);
    }

    private record Member(String name, String extension, byte[] data) {}

    /** Members read so far under one key; their bytes are bounded by the raw record limit. */
    private static final class Sample {
        final String key;
        final List<Member> members = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        long bytes;
        boolean tooLarge;
        String duplicate;

        Sample(String key) {
            this.key = key;
        }
    }

    @Override
    Record next() throws IOException {
        while (!done) {
            TarArchiveEntry entry;
            try {
                entry = tar.getNextEntry();
                if (entry == null && tar.partialHeader) {
                    throw new EOFException("the shard ends inside a member header");
                }
            } catch (IOException e) {
                broken(e, lastMember == null ? "start" : "after member " + lastMember);
                return null;
            }
            if (entry == null) {
                done = true;
                Sample last = pending;
                pending = null;
                return last == null ? null : toRecord(last);
            }
            if (!entry.isFile()) {
                continue;
            }
            String name = entry.getName();
            lastMember = name;
            Matcher m = KEY_EXT.matcher(name);
            if (!m.matches()) {
                skip("member " + name, SkipReason.UNPAIRED_MEMBER, "no key.extension name, so it belongs to no sample");
                continue;
            }
            String key = m.group(1);
            String ext = m.group(2).toLowerCase(Locale.ROOT);
            Sample finished = null;
            if (pending != null && !pending.key.equals(key)) {
                finished = pending;
                pending = null;
            }
            if (pending == null) {
                pending = new Sample(key);
            }
            IOException broke = null;
            try {
                add(pending, name, ext, entry.getSize());
            } catch (IOException e) {
                broke = e;
            }
            Record r = finished == null ? null : toRecord(finished);
            if (broke != null) {
                broken(broke, "member " + name);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private void add(Sample s, String name, String ext, long size) throws IOException {
        s.names.add(name);
        if (s.members.stream().anyMatch(m -> m.extension.equals(ext))) {
            s.duplicate = name;
            return;
        }
        if (s.tooLarge || s.bytes + size > options.maxRawBytes()) {
            s.tooLarge = true; // the rest of the member is passed over by the next getNextEntry
            s.bytes += size;
            return;
        }
        byte[] data = tar.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("member " + name + " has " + data.length + " of its " + size + " bytes");
        }
        s.bytes += size;
        s.members.add(new Member(name, ext, data));
    }

    /** The shard cannot be read past here: what was delivered stays, the rest is one skip. */
    private void broken(IOException e, String location) {
        done = true;
        boolean truncated = e instanceof EOFException || String.valueOf(e.getMessage()).contains("Truncated");
        String lost = pending == null ? "" : "; the sample " + pending.key + " being read and anything after it are lost";
        pending = null;
        skip(location, truncated ? SkipReason.TRUNCATED : SkipReason.MALFORMED_RECORD,
                (truncated ? "the shard ends early" : "the shard is corrupt") + " (" + e.getMessage() + ")" + lost);
    }

    /** The sample as a record, or {@code null} with its skip counted. */
    private Record toRecord(Sample s) {
        String location = (s.names.size() == 1 ? "member " : "members ") + String.join(", ", s.names);
        try {
            return sampleRecord(s, location);
        } catch (RecordRejected e) {
            skip(location, e);
            return null;
        }
    }

    private Record sampleRecord(Sample s, String location) throws RecordRejected {
        if (s.duplicate != null) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, "sample " + s.key + ": two members with extension of "
                    + s.duplicate);
        }
        if (s.tooLarge) {
            throw new RecordRejected(SkipReason.TOO_LONG, "sample " + s.key + ": " + s.bytes
                    + " bytes of members, more than the raw record limit of " + options.maxRawBytes());
        }
        List<ImageSource> images = new ArrayList<>();
        Member json = null;
        Map<String, String> fields = new LinkedHashMap<>();
        for (Member m : s.members) {
            String last = m.extension.substring(m.extension.lastIndexOf('.') + 1);
            if (IMAGE_EXTENSIONS.contains(last)) {
                images.add(new ImageSource.Bytes(m.name, m.data));
            } else if (m.extension.equals("json")) {
                json = m;
            } else {
                String text = utf8(m.data);
                if (text != null) {
                    fields.put(m.extension, text);
                }
            }
        }
        String txt = fields.get("txt");
        boolean hasText = json != null || txt != null;
        if (images.isEmpty() || !hasText) {
            throw new RecordRejected(SkipReason.UNPAIRED_MEMBER, "sample " + s.key + ": "
                    + (images.isEmpty() && hasText ? "text without an image"
                    : !images.isEmpty() ? "image without text (no .json or .txt member)" : "neither image nor text")
                    + " (extensions: " + s.members.stream().map(Member::extension).collect(Collectors.joining(", ")) + ")");
        }
        List<Turn> turns;
        if (json != null) {
            JsonNode node;
            try {
                node = mapper.readTree(json.data);
            } catch (IOException e) {
                throw new RecordRejected(SkipReason.MALFORMED_JSON, json.name + ": "
                        + (e instanceof JsonProcessingException j ? Json.describe(j) : e.getMessage()));
            }
            if (!node.isObject()) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, json.name + ": expected an object, got "
                        + LlavaFormat.kind(node));
            }
            if (node.has("conversations")) {
                LlavaFormat.Conversation c = LlavaFormat.parse(node, s.key);
                if (!c.id().equals(s.key)) {
                    fields.put("id", c.id()); // the record's id is the tar key, the json's is kept
                }
                fields.putAll(c.fields());
                if (!c.imagePaths().isEmpty()) {
                    fields.put("image", String.join(", ", c.imagePaths()));
                }
                turns = LlavaFormat.placeImages(s.key, c.turns(), images.size());
                return finish(s, turns, images, fields, location);
            }
            String caption = null;
            for (var e : node.properties()) {
                String k = e.getKey();
                if ((k.equals("caption") || k.equals("txt")) && caption == null) {
                    if (!e.getValue().isTextual()) {
                        throw new RecordRejected(SkipReason.MALFORMED_RECORD, json.name + ": " + k
                                + ": expected a string, got " + LlavaFormat.kind(e.getValue()));
                    }
                    caption = e.getValue().asText();
                } else {
                    fields.putIfAbsent(k, e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
                }
            }
            if (caption == null) {
                caption = txt;
            }
            if (caption == null) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, json.name
                        + ": neither conversations nor caption/txt, and no .txt member");
            }
            turns = caption(s.key, caption, images.size());
        } else {
            turns = caption(s.key, txt, images.size());
        }
        return finish(s, turns, images, fields, location);
    }

    private List<Turn> caption(String key, String caption, int images) throws RecordRejected {
        return LlavaFormat.placeImages(key, List.of(new Turn(Role.USER, options.captionPrompt()),
                new Turn(Role.ASSISTANT, caption)), images);
    }

    private Record finish(Sample s, List<Turn> turns, List<ImageSource> images, Map<String, String> fields,
                          String location) throws RecordRejected {
        LlavaFormat.checkLength(s.key, turns, options.maxRecordChars());
        return new Record(s.key, turns, images, fields, at(location));
    }

    private static String utf8(byte[] data) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            return null; // a binary member (.npy, ...) is not a field
        }
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    /**
     * Commons Compress ends an archive quietly at a short header block; this notes that case so it is
     * reported as truncation, not taken for the archive's end.
     */
    private static final class Shard extends TarArchiveInputStream {
        boolean partialHeader;

        Shard(InputStream in) {
            super(in);
        }

        @Override
        protected byte[] readRecord() throws IOException {
            long before = getBytesRead();
            byte[] block = super.readRecord();
            if (block == null && !isAtEOF() && getBytesRead() > before) {
                partialHeader = true;
            }
            return block;
        }
    }
}
