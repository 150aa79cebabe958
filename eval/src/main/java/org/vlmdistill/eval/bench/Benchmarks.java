package org.vlmdistill.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.datasets.image.ImageDecodeException;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.read.Readers;
import org.vlmdistill.datasets.read.RecordReader;
import org.vlmdistill.datasets.read.SkippedRecord;
import org.vlmdistill.datasets.read.TsvCells;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a benchmark file (VLMEvalKit TSV, LLaVA JSON/JSONL, any format {@link Readers} opens) into
 * items. Fields are taken as VLMEvalKit names them: {@code question}, {@code hint}, the option columns
 * {@code A..Z}, {@code answer}, {@code category}; a LLaVA record's question is its first user turn and
 * its answer the first assistant turn, unless it has {@code answers} (VQA's list of ten) or
 * {@code answer}; options may also come as an {@code options} / {@code choices} list.
 *
 * <p>The kind, unless given: options in any record make it multiple choice; several references in any
 * record make it open (VQA); answers all yes or no make it yes/no; anything else is exact match.
 *
 * <p>Nothing in a file stops the load: a row the reader skips, an image that does not decode, a record
 * without an answer, an answer letter that is not among the options, each becomes a {@link BenchProblem}
 * and the rest are items. Images are decoded once here to find the bad ones, and not kept.
 */
public final class Benchmarks {
    /** MMBench's circular copies: index {@code k * 1e6 + i} is rotation {@code k} of question {@code i}. */
    static final long CIRCULAR_STRIDE = 1_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Benchmarks() {
    }

    /**
     * A benchmark named on the command line: {@code FILE} or {@code FILE:KIND}.
     *
     * @param kind the kind the user named, or empty to detect it
     */
    public record Spec(Path file, Optional<BenchmarkKind> kind) {
        /**
         * {@code FILE} or {@code FILE:KIND}; a suffix that can only be a kind (letters, {@code _}, {@code -})
         * must be one, unless the whole argument names an existing file.
         *
         * @throws IllegalArgumentException naming an unknown kind and listing the kinds
         */
        public static Spec parse(String arg) {
            int colon = arg.lastIndexOf(':');
            if (colon > 0) {
                String suffix = arg.substring(colon + 1);
                if (suffix.matches("[A-Za-z_-]+") && !java.nio.file.Files.exists(Path.of(arg))) {
                    return new Spec(Path.of(arg.substring(0, colon)), Optional.of(BenchmarkKind.parse(suffix)));
                }
                try {
                    return new Spec(Path.of(arg.substring(0, colon)),
                            Optional.of(BenchmarkKind.parse(arg.substring(colon + 1))));
                } catch (IllegalArgumentException e) {
                    // not a kind: a colon in the path
                }
            }
            return new Spec(Path.of(arg), Optional.empty());
        }
    }

    /**
     * @param limit at most this many items (0: all); records after the limit are not read
     * @throws IOException when the file cannot be read at all (missing, unreadable)
     */
    public static Benchmark load(Spec spec, int limit, ReaderOptions options, ImageDecoder decoder) throws IOException {
        Path file = spec.file();
        List<Raw> raws = new ArrayList<>();
        List<BenchProblem> problems = new ArrayList<>();
        int index = 0;
        try (RecordReader reader = Readers.open(List.of(file), options)) {
            Optional<Record> next;
            while ((limit <= 0 || raws.size() < limit) && (next = reader.next()).isPresent()) {
                Record r = next.get();
                int at = index++;
                try {
                    checkImages(r, decoder);
                    raws.add(raw(at, r));
                } catch (Problem p) {
                    problems.add(new BenchProblem(at, r.id(), r.provenance().toString(), p.reason, p.getMessage()));
                }
            }
            for (SkippedRecord s : reader.stats().skippedRecords()) {
                problems.add(new BenchProblem(-1, s.provenance().location(), s.provenance().toString(),
                        s.reason().name().toLowerCase(Locale.ROOT), s.detail()));
            }
        }
        BenchmarkKind kind = spec.kind().orElseGet(() -> detect(raws));
        boolean circularCopies = kind == BenchmarkKind.MULTIPLE_CHOICE
                && raws.stream().anyMatch(r -> r.numericId >= CIRCULAR_STRIDE);
        List<BenchItem> items = new ArrayList<>(raws.size());
        for (Raw r : raws) {
            try {
                items.add(r.item(kind, circularCopies));
            } catch (Problem p) {
                problems.add(new BenchProblem(r.index, r.record.id(), r.record.provenance().toString(), p.reason,
                        p.getMessage()));
            }
        }
        problems.sort(java.util.Comparator.comparingInt(BenchProblem::index));
        String name = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        return new Benchmark(name, file, sha256(file), kind, items.size() + problems.size(), items, problems);
    }

    static BenchmarkKind detect(List<Raw> raws) {
        if (raws.stream().anyMatch(r -> !r.choices.isEmpty())) {
            return BenchmarkKind.MULTIPLE_CHOICE;
        }
        if (raws.stream().anyMatch(r -> r.references.size() > 1)) {
            return BenchmarkKind.OPEN;
        }
        boolean yesNo = raws.stream().anyMatch(r -> !r.references.isEmpty())
                && raws.stream().filter(r -> !r.references.isEmpty()).allMatch(r -> yesOrNo(r.references.getFirst()) != null);
        return yesNo ? BenchmarkKind.YES_NO : BenchmarkKind.EXACT;
    }

    /** A record's fields before the kind is known. */
    record Raw(int index, Record record, String category, String question, List<Choice> choices,
               List<String> references, String imageKey, long numericId) {

        BenchItem item(BenchmarkKind kind, boolean circularCopies) throws Problem {
            if (references.isEmpty()) {
                throw new Problem("no_answer", "the record has no answer to score against");
            }
            List<String> refs = references;
            List<Choice> offered = List.of();
            switch (kind) {
                case MULTIPLE_CHOICE -> {
                    if (choices.size() < 2) {
                        throw new Problem("no_options", choices.isEmpty() ? "the record offers no options"
                                : "the record offers one option only");
                    }
                    refs = List.of(letterOf(references.getFirst().strip(), choices));
                    offered = choices;
                }
                case YES_NO -> {
                    String a = yesOrNo(references.getFirst());
                    if (a == null) {
                        throw new Problem("answer_not_yes_no", "answer '" + references.getFirst() + "' is neither yes nor no");
                    }
                    refs = List.of(references.getFirst().strip().replaceFirst("\\.$", ""));
                }
                case OPEN, EXACT -> {
                }
            }
            long group = circularCopies && numericId >= 0 ? numericId % CIRCULAR_STRIDE : index;
            return new BenchItem(index, record.id(), category, question, record.images(), offered, refs, imageKey,
                    group, record.provenance());
        }
    }

    private static String letterOf(String answer, List<Choice> choices) throws Problem {
        for (Choice c : choices) {
            if (c.letter().equals(answer)) {
                return answer;
            }
        }
        for (Choice c : choices) { // some files give the right option's text instead of its letter
            if (c.text().strip().equalsIgnoreCase(answer)) {
                return c.letter();
            }
        }
        throw new Problem("answer_not_an_option", "answer '" + answer + "' is not among the options "
                + choices.stream().map(Choice::letter).toList());
    }

    /** "yes" or "no" for an answer that is one (any case, a final period allowed), else null. */
    static String yesOrNo(String answer) {
        String a = answer.strip().toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
        return a.equals("yes") || a.equals("no") ? a : null;
    }

    static Raw raw(int index, Record r) throws Problem {
        Map<String, String> f = r.fields();
        String category = first(f, "category", "kind", "question_type").orElse("");
        String question = first(f, "question").map(q -> first(f, "hint").map(h -> h + "\n" + q).orElse(q))
                .orElseGet(() -> firstTurn(r, Role.USER).map(Benchmarks::withoutPlaceholders).orElse(""));
        if (question.isBlank()) {
            throw new Problem("no_question", "the record has no question");
        }
        List<Choice> choices = new ArrayList<>();
        for (char c = 'A'; c <= 'Z'; c++) {
            String letter = String.valueOf(c);
            first(f, letter).ifPresent(text -> choices.add(new Choice(letter, text)));
        }
        if (choices.isEmpty()) {
            Optional<String> list = first(f, "options", "choices");
            if (list.isPresent()) {
                List<String> texts = stringList(list.get(), "options");
                for (int i = 0; i < texts.size() && i < 26; i++) {
                    choices.add(new Choice(String.valueOf((char) ('A' + i)), texts.get(i)));
                }
            }
        }
        List<String> references = references(r);
        String imageKey = first(f, "image_path").orElseGet(() -> imageKey(r.images()));
        long numericId;
        try {
            numericId = Long.parseLong(r.id().strip());
        } catch (NumberFormatException e) {
            numericId = -1;
        }
        return new Raw(index, r, category, question, choices, references, imageKey, numericId);
    }

    /** {@code answers} (a list, of strings or of {@code {"answer": ...}}), else {@code answer}, else the first assistant turn. */
    private static List<String> references(Record r) throws Problem {
        Map<String, String> f = r.fields();
        Optional<String> answers = first(f, "answers");
        if (answers.isPresent()) {
            return stringList(answers.get(), "answers");
        }
        Optional<String> answer = first(f, "answer");
        if (answer.isPresent()) {
            String a = answer.get();
            return a.strip().startsWith("[") ? stringList(a, "answer") : List.of(a.strip());
        }
        return firstTurn(r, Role.ASSISTANT).map(String::strip).filter(s -> !s.isEmpty()).map(List::of)
                .orElse(List.of());
    }

    /** A JSON list (of strings, or of objects with an {@code answer}) or a Python list literal. */
    private static List<String> stringList(String cell, String field) throws Problem {
        try {
            JsonNode node = JSON.readTree(cell);
            if (node != null && node.isArray()) {
                List<String> out = new ArrayList<>();
                for (JsonNode e : node) {
                    out.add(e.isObject() && e.has("answer") ? e.get("answer").asText() : e.asText());
                }
                if (out.isEmpty()) {
                    throw new Problem("malformed_record", field + " is an empty list");
                }
                return out;
            }
        } catch (IOException e) {
            // not JSON: VLMEvalKit writes Python literals
        }
        try {
            return TsvCells.listOrOne(cell, field);
        } catch (IllegalArgumentException e) {
            throw new Problem("malformed_record", e.getMessage());
        }
    }

    private static Optional<String> first(Map<String, String> fields, String... names) {
        for (String n : names) {
            String v = fields.get(n);
            if (!TsvCells.isMissing(v)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> firstTurn(Record r, Role role) {
        return r.turns().stream().filter(t -> t.role() == role).map(Turn::text).findFirst();
    }

    private static String withoutPlaceholders(String text) {
        return text.replace(Turn.IMAGE_PLACEHOLDER, "").strip();
    }

    private static void checkImages(Record r, ImageDecoder decoder) throws Problem {
        for (ImageSource s : r.images()) {
            try {
                decoder.decode(s);
            } catch (ImageDecodeException e) {
                throw new Problem("undecodable_image", s.name() + ": " + e.getMessage());
            } catch (IOException e) {
                throw new Problem("unreadable_image", s.name() + ": " + e.getMessage());
            }
        }
    }

    /** The SHA-256 of the first image's bytes (or its path), so that questions on one image pair up (MME). */
    private static String imageKey(List<ImageSource> images) {
        if (images.isEmpty()) {
            return "";
        }
        return switch (images.getFirst()) {
            case ImageSource.Bytes b -> HexFormat.of().formatHex(digest().digest(b.data()));
            case ImageSource.File p -> p.path().toString();
        };
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Why a record is not an item. */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        Problem(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }
}
