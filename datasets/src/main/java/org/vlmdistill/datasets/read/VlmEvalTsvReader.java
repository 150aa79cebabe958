package org.vlmdistill.datasets.read;

import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.BufferedInputStream;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A VLMEvalKit benchmark table (MMBench, SEED-Bench, AI2D, ...), row by row. The header names the
 * columns, which vary per benchmark: {@code index}, {@code image} (base64) or {@code image_path},
 * {@code question}, {@code hint}, the options (every single capital-letter column), {@code answer},
 * {@code category}, {@code split}, ... Only {@code question} is required.
 *
 * <p>Parsing follows VLMEvalKit's {@code pd.read_csv(f, sep='\t')}: fields may be quoted with
 * {@code "}, a quote inside is doubled, a quoted field may hold tabs and newlines, a quote inside an
 * unquoted field is an ordinary character, text after a closing quote is kept, blank lines are not
 * rows, and a cell in pandas' default NA list ({@code ""}, {@code NA}, {@code nan}, {@code None}, ...)
 * is missing: so an option column that is empty in a row is not offered, exactly as VLMEvalKit's
 * {@code build_prompt} drops it.
 *
 * <p>Record: the user turn is {@code "<image>\n{hint}\n{question}\nA. {A}\nB. {B}..."} (one
 * {@code <image>} line per image; no hint line when the hint is missing), the assistant turn is the
 * answer when there is one, and every column but the base64 {@code image} is kept in {@code fields}
 * (the image would double the record's memory). Provenance: {@code "row N"}, data rows counted from 1
 * (the header is not a row, blank lines are not counted), so the record is {@code df.iloc[N-1]}.
 *
 * <p>MMBench stores each image once: later rows with the same question in other option orders hold,
 * in their {@code image} cell, the {@code index} of the row that has it (VLMEvalKit's rule: a cell of at
 * most 64 characters is such a reference). Such a file is read twice: a first pass counts the
 * references to each index (and keeps the images of rows referenced before they appear); the second
 * pass delivers the records and keeps each referenced image only until its last reference is read.
 * Memory is then the images awaited by later rows (for MMBench: the distinct images of the rows not yet
 * repeated), not the table. A table without an {@code image} column is read once.
 *
 * <p>A row whose field count differs from the header's is skipped. A quoted field left open, or a
 * row longer than the raw record limit, cannot be stepped over (the next row's start is unknown): the
 * rows before it are delivered and the rest of the file is one skip.
 */
final class VlmEvalTsvReader extends FormatReader {
    /** pandas' {@code read_csv(sep='\t')} as VLMEvalKit calls it; see the class comment. */
    static final CSVFormat PANDAS_TSV = CSVFormat.DEFAULT.builder()
            .setDelimiter('\t')
            .setQuote('"')
            .setEscape((Character) null)
            .setIgnoreEmptyLines(true)
            .setIgnoreSurroundingSpaces(false)
            .setTrailingData(true)
            .setAllowMissingColumnNames(true)
            .get();

    /** pandas' default {@code na_values} (since 2.0, which added {@code "None"}): cells read as NaN. */
    static final Set<String> PANDAS_NA = Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
            "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");

    /** VLMEvalKit's {@code dump_image}: an image cell this short is the index of the row holding the image. */
    static final int MAX_REFERENCE_CHARS = 64;

    /** Room for the parser's read-ahead buffer on top of one row. */
    private static final int READ_AHEAD = 1 << 14;

    private final ImageRoot root;
    private final Map<String, Integer> referencesLeft = new HashMap<>();
    private final Map<String, List<byte[]>> awaited = new HashMap<>();
    private final Rows rows;
    private Header header;
    private long row;
    private boolean started;
    private boolean done;

    VlmEvalTsvReader(Path file, ReaderOptions options, ReadStats stats) throws IOException {
        super(file, options, stats);
        this.root = new ImageRoot(options.imageRootFor(file));
        this.rows = new Rows(file, options.maxRawBytes()); // opened now so an unreadable file fails at open
    }

    /** Column positions, from the header row. */
    private record Header(int size, String[] names, int index, int image, int imagePath, int question, int hint,
                          int answer, List<Integer> options) {
        static Header of(String[] names) {
            if (names.length > 0 && names[0].startsWith("\uFEFF")) { // pandas drops a UTF-8 byte order mark
                names[0] = names[0].substring(1);
            }
            Map<String, Integer> at = new HashMap<>();
            for (int i = 0; i < names.length; i++) {
                at.putIfAbsent(names[i], i);
            }
            List<Integer> options = new ArrayList<>();
            for (char c = 'A'; c <= 'Z'; c++) { // VLMEvalKit: string.ascii_uppercase order
                Integer i = at.get(String.valueOf(c));
                if (i != null) {
                    options.add(i);
                }
            }
            return new Header(names.length, names, at.getOrDefault("index", -1), at.getOrDefault("image", -1),
                    at.getOrDefault("image_path", -1), at.getOrDefault("question", -1), at.getOrDefault("hint", -1),
                    at.getOrDefault("answer", -1), List.copyOf(options));
        }
    }

    @Override
    Record next() throws IOException {
        if (!started) {
            started = true;
            if (!start()) {
                done = true;
            }
        }
        while (!done) {
            CSVRecord r = nextRow(rows, "row " + (row + 1));
            if (r == null) {
                done = true;
                break;
            }
            row++;
            String location = "row " + row;
            if (r.size() != header.size()) {
                skip(location, SkipReason.WRONG_COLUMN_COUNT, r.size() + " fields, the header has " + header.size()
                        + (header.index >= 0 && header.index < r.size() ? " (index " + r.get(header.index) + ")" : ""));
                continue;
            }
            try {
                return toRecord(r, location);
            } catch (RecordRejected e) {
                skip(location, e);
            }
        }
        return null;
    }

    /** Reads the header, and makes the first pass when the table has an image column. */
    private boolean start() throws IOException {
        CSVRecord first = nextRow(rows, "header");
        if (first == null) {
            skip("header", SkipReason.MALFORMED_RECORD, "empty file, expected a header row");
            return false;
        }
        header = Header.of(first.values());
        if (header.question < 0) {
            skip("header", SkipReason.MALFORMED_RECORD, "no question column (columns: "
                    + String.join(", ", header.names) + "); the file is not read");
            return false;
        }
        if (header.image >= 0 && header.index >= 0) {
            countReferences();
        }
        return true;
    }

    /** First pass: references per index, and the images of rows referenced before they appear. */
    private void countReferences() throws IOException {
        try (Rows pass = new Rows(file, options.maxRawBytes())) {
            pass.next(); // header
            CSVRecord r;
            while ((r = pass.next()) != null) {
                if (r.size() != header.size()) {
                    continue;
                }
                String cell = r.get(header.image);
                if (isNa(cell)) {
                    continue;
                }
                if (cell.length() <= MAX_REFERENCE_CHARS) {
                    referencesLeft.merge(cell.trim(), 1, Integer::sum);
                } else {
                    String key = r.get(header.index).trim();
                    if (referencesLeft.containsKey(key) && !awaited.containsKey(key)) {
                        try {
                            awaited.put(key, decode(cell));
                        } catch (RecordRejected e) {
                            // reported when the second pass reaches this row
                        }
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the second pass meets the same problem at the same row and reports it
        }
    }

    private CSVRecord nextRow(Rows from, String location) throws IOException {
        try {
            return from.next();
        } catch (RowTooLong e) {
            skip(location, SkipReason.TOO_LONG, "more than " + options.maxRawBytes()
                    + " characters without the row ending; the rest of the file is not read");
        } catch (CSVException e) {
            boolean eof = e.getMessage() != null && e.getMessage().contains("EOF");
            skip(location, eof ? SkipReason.TRUNCATED : SkipReason.MALFORMED_RECORD,
                    (eof ? "a quoted field is not closed before the end of the file" : e.getMessage())
                            + "; the rest of the file is not read");
        }
        done = true;
        return null;
    }

    private Record toRecord(CSVRecord r, String location) throws RecordRejected {
        String id = header.index >= 0 && !r.get(header.index).isBlank() ? r.get(header.index).trim() : location;
        List<ImageSource> images = images(r, id, location);
        String question = r.get(header.question);
        if (isNa(question)) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, "index " + id + ": question is empty");
        }
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            prompt.append(Turn.IMAGE_PLACEHOLDER).append('\n');
        }
        if (header.hint >= 0 && !isNa(r.get(header.hint))) {
            prompt.append(r.get(header.hint)).append('\n');
        }
        prompt.append(question);
        for (int col : header.options) {
            if (!isNa(r.get(col))) {
                prompt.append('\n').append(header.names[col]).append(". ").append(r.get(col));
            }
        }
        List<Turn> turns = new ArrayList<>(2);
        turns.add(new Turn(Role.USER, prompt.toString()));
        if (header.answer >= 0 && !isNa(r.get(header.answer))) {
            turns.add(new Turn(Role.ASSISTANT, r.get(header.answer)));
        }
        LlavaFormat.checkLength(id, turns, options.maxRecordChars());
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            if (i != header.image) {
                fields.putIfAbsent(header.names[i], r.get(i));
            }
        }
        return new Record(id, turns, images, fields, at(location));
    }

    private List<ImageSource> images(CSVRecord r, String id, String location) throws RecordRejected {
        String name = file.getFileName() + " " + location + " image";
        if (header.image >= 0 && !isNa(r.get(header.image))) {
            String cell = r.get(header.image);
            List<byte[]> data;
            if (cell.length() <= MAX_REFERENCE_CHARS) {
                String target = cell.trim();
                data = awaited.get(target);
                int left = referencesLeft.getOrDefault(target, 0) - 1;
                if (left <= 0) {
                    referencesLeft.remove(target);
                    awaited.remove(target);
                } else {
                    referencesLeft.put(target, left);
                }
                if (data == null) {
                    throw new RecordRejected(SkipReason.MISSING_IMAGE, "index " + id + ": image refers to index '"
                            + target + "', which has no valid image in this file");
                }
            } else {
                data = decode(cell);
                if (referencesLeft.getOrDefault(id, 0) > 0) {
                    awaited.putIfAbsent(id, data);
                }
            }
            List<ImageSource> out = new ArrayList<>(data.size());
            for (int i = 0; i < data.size(); i++) {
                out.add(new ImageSource.Bytes(data.size() == 1 ? name : name + "[" + i + "]", data.get(i)));
            }
            return out;
        }
        if (header.imagePath >= 0 && !isNa(r.get(header.imagePath))) {
            List<String> paths = listOrOne(r.get(header.imagePath), "index " + id + ": image_path");
            List<ImageSource> out = new ArrayList<>(paths.size());
            for (int i = 0; i < paths.size(); i++) {
                out.add(root.resolve("index " + id + ": image_path" + (paths.size() == 1 ? "" : "[" + i + "]"),
                        paths.get(i)));
            }
            return out;
        }
        return List.of();
    }

    /** One base64 image, or VLMEvalKit's multi-image cell: a Python list literal of them. */
    private static List<byte[]> decode(String cell) throws RecordRejected {
        List<String> parts = listOrOne(cell, "image");
        List<byte[]> out = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            try {
                out.add(Base64.getDecoder().decode(parts.get(i)));
            } catch (IllegalArgumentException e) {
                throw new RecordRejected(SkipReason.INVALID_BASE64, "image" + (parts.size() == 1 ? "" : "[" + i + "]")
                        + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * A cell as VLMEvalKit's {@code toliststr} reads it: {@code "['a', 'b']"} is a list (read here as
     * quoted strings between commas, which base64 and file paths never need escapes for), anything
     * else is one value.
     */
    static List<String> listOrOne(String cell, String field) throws RecordRejected {
        String s = cell.strip();
        if (!(s.startsWith("[") && s.endsWith("]"))) {
            return List.of(cell);
        }
        List<String> out = new ArrayList<>();
        int i = 1;
        int end = s.length() - 1;
        boolean needComma = false;
        while (true) {
            while (i < end && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= end) {
                break;
            }
            char c = s.charAt(i);
            if (needComma) {
                if (c != ',') {
                    throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + ": not a list of quoted strings");
                }
                needComma = false;
                i++;
                continue;
            }
            int close = c == '\'' || c == '"' ? s.indexOf(c, i + 1) : -1;
            if (close < 0 || close >= end) {
                throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + ": not a list of quoted strings");
            }
            out.add(s.substring(i + 1, close));
            i = close + 1;
            needComma = true;
        }
        if (out.isEmpty()) {
            throw new RecordRejected(SkipReason.MALFORMED_RECORD, field + ": an empty list");
        }
        return out;
    }

    /** Images kept for rows still to come: what the reference scheme costs in memory right now. */
    int imagesHeld() {
        return awaited.size();
    }

    static boolean isNa(String cell) {
        return PANDAS_NA.contains(cell);
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }

    /** The parser over a character budget: one row may not read more than the raw record limit. */
    private static final class Rows implements AutoCloseable {
        private final Budget budget;
        private final CSVParser parser;
        private final Iterator<CSVRecord> it;

        Rows(Path file, int maxRawBytes) throws IOException {
            // undecodable bytes become U+FFFD, as they do for a person reading the table; in an image
            // cell they make the base64 invalid and that row is skipped, not the file
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            this.budget = new Budget(new InputStreamReader(new BufferedInputStream(Files.newInputStream(file),
                    1 << 16), decoder), (long) maxRawBytes + READ_AHEAD);
            this.parser = CSVParser.builder().setReader(budget).setFormat(PANDAS_TSV).get();
            this.it = parser.iterator();
        }

        CSVRecord next() throws IOException {
            budget.used = 0;
            try {
                return it.hasNext() ? it.next() : null;
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }

    private static final class RowTooLong extends IOException {
        RowTooLong() {
            super("row longer than the raw record limit", null);
        }
    }

    private static final class Budget extends FilterReader {
        private final long limit;
        long used;

        Budget(Reader in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0 && ++used > limit) {
                throw new RowTooLong();
            }
            return c;
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0 && (used += n) > limit) {
                throw new RowTooLong();
            }
            return n;
        }
    }
}
