package org.vlmdistill.datasets.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import org.vlmdistill.datasets.tokenizer.SentencePieceModel.Piece;
import org.vlmdistill.datasets.tokenizer.SentencePieceModel.PieceType;

/**
 * SentencePiece's BPE encoding and its decoding, for a model with the identity normalizer (InternLM2's):
 * what {@code SentencePieceProcessor.encode(text)} and {@code decode(ids)} give, with each token's span
 * in the input text besides.
 *
 * <p>Encoding: normalize (spaces become U+2581 "▁"; {@code add_dummy_prefix} puts one in front;
 * {@code remove_extra_whitespaces} drops leading, trailing and repeated spaces), split into characters
 * (a user-defined piece is one symbol, never merged), then repeatedly merge the adjacent pair whose
 * concatenation is a piece with the highest score (the leftmost among equal scores). A symbol that is no
 * piece is unknown: with {@code byte_fallback} it becomes the {@code <0xNN>} pieces of its UTF-8 bytes,
 * else the unknown piece. A merge into an UNUSED piece is undone at the end (its two halves are emitted).
 *
 * <p>Refused, naming the file and field: other model types (Unigram, ...), a precompiled charsmap
 * (the {@code nmt_nfkc} family of normalizers), a denormalizer, {@code treat_whitespace_as_suffix}.
 */
public final class SentencePieceBpe {
    /** U+2581, SentencePiece's escaped space. */
    static final int SPACE_SYMBOL = 0x2581;

    private final SentencePieceModel model;
    private final String[] pieceText;
    private final PieceType[] types;
    private final float[] scores;
    /** NORMAL, USER_DEFINED and UNUSED pieces: those merges may produce. */
    private final Map<String, Integer> mergeable = new HashMap<>();
    /** CONTROL, UNKNOWN and BYTE pieces. */
    private final Map<String, Integer> reserved = new HashMap<>();
    /** User-defined pieces by their first code point, longest first. */
    private final Map<Integer, List<int[]>> userDefined = new HashMap<>();
    private final int unkId;
    private final int[] byteIds = new int[256];

    private SentencePieceBpe(SentencePieceModel model) {
        this.model = model;
        String file = model.source().toString();
        if (!model.modelType().equals("BPE")) {
            throw new IllegalArgumentException(file + ": trainer_spec.model_type is " + model.modelType()
                    + "; only BPE SentencePiece models are read (InternLM2's is BPE)");
        }
        SentencePieceModel.Normalizer n = model.normalizer();
        if (n.charsmapBytes() > 0) {
            throw new IllegalArgumentException(file + ": normalizer_spec '" + n.name() + "' has a precompiled charsmap ("
                    + n.charsmapBytes() + " bytes); only the identity normalizer is supported (spaces escaped to U+2581, "
                    + "add_dummy_prefix, remove_extra_whitespaces), as InternLM2's tokenizer.model has it");
        }
        if (model.denormalizerCharsmapBytes() > 0) {
            throw new IllegalArgumentException(file + ": denormalizer_spec has a precompiled charsmap ("
                    + model.denormalizerCharsmapBytes() + " bytes); decoding with a denormalizer is not supported");
        }
        if (model.treatWhitespaceAsSuffix()) {
            throw new IllegalArgumentException(file + ": trainer_spec.treat_whitespace_as_suffix is set; only prefix "
                    + "whitespace (the default) is supported");
        }
        List<Piece> pieces = model.pieces();
        pieceText = new String[pieces.size()];
        types = new PieceType[pieces.size()];
        scores = new float[pieces.size()];
        Arrays.fill(byteIds, -1);
        int unk = -1;
        for (int id = 0; id < pieces.size(); id++) {
            Piece p = pieces.get(id);
            pieceText[id] = p.piece();
            types[id] = p.type();
            scores[id] = p.score();
            if (p.piece().isEmpty()) {
                throw new IllegalArgumentException(file + ": piece " + id + " is empty");
            }
            boolean normal = p.type() == PieceType.NORMAL || p.type() == PieceType.USER_DEFINED || p.type() == PieceType.UNUSED;
            Integer before = (normal ? mergeable : reserved).putIfAbsent(p.piece(), id);
            if (before != null) {
                throw new IllegalArgumentException(file + ": piece '" + p.piece() + "' is defined twice (ids " + before + " and " + id + ")");
            }
            switch (p.type()) {
                case UNKNOWN -> unk = id;
                case USER_DEFINED -> {
                    int[] cps = p.piece().codePoints().toArray();
                    userDefined.computeIfAbsent(cps[0], k -> new ArrayList<>()).add(cps);
                }
                case BYTE -> {
                    if (!model.byteFallback()) {
                        throw new IllegalArgumentException(file + ": byte piece '" + p.piece() + "' (id " + id
                                + ") although trainer_spec.byte_fallback is off");
                    }
                    byteIds[byteOf(p.piece(), file, id)] = id;
                }
                default -> {
                }
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException(file + ": no piece of type UNKNOWN");
        }
        unkId = unk;
        if (model.byteFallback()) {
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new IllegalArgumentException(file + ": trainer_spec.byte_fallback is on and byte piece "
                            + bytePiece(b) + " is missing");
                }
            }
        }
        userDefined.values().forEach(list -> list.sort((a, b) -> b.length - a.length));
    }

    /** @throws IllegalArgumentException naming the model file when SentencePiece's BPE as described cannot run it */
    public static SentencePieceBpe of(SentencePieceModel model) {
        return new SentencePieceBpe(model);
    }

    public SentencePieceModel model() {
        return model;
    }

    public int pieceCount() {
        return pieceText.length;
    }

    public String piece(int id) {
        return pieceText[id];
    }

    public PieceType type(int id) {
        return types[id];
    }

    /** SentencePiece's piece_to_id: reserved pieces first, then the others, else the unknown piece's id. */
    public int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) {
            id = mergeable.get(piece);
        }
        return id == null ? unkId : id;
    }

    /** Whether {@code piece} is one of the model's pieces. */
    public boolean hasPiece(String piece) {
        return reserved.containsKey(piece) || mergeable.containsKey(piece);
    }

    private static String bytePiece(int b) {
        return String.format("<0x%02X>", b);
    }

    private static int byteOf(String piece, String file, int id) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return Integer.parseInt(piece.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException(file + ": byte piece " + id + " is '" + piece + "', expected <0xNN>");
    }

    /**
     * The normalized text as code points, and for each the [start, end) of the input characters it came
     * from (the dummy prefix: an empty span where the text starts).
     */
    private record Normalized(int[] cps, int[] from, int[] to, int length) {
    }

    private Normalized normalize(String text) {
        SentencePieceModel.Normalizer spec = model.normalizer();
        int space = spec.escapeWhitespaces() ? SPACE_SYMBOL : ' ';
        int capacity = text.length() + 1;
        int[] cps = new int[capacity];
        int[] from = new int[capacity];
        int[] to = new int[capacity];
        int n = 0;
        int i = 0;
        if (spec.removeExtraWhitespaces()) {
            while (i < text.length() && text.charAt(i) == ' ') {
                i++;
            }
        }
        if (i == text.length()) {
            return new Normalized(cps, from, to, 0); // empty, or all spaces removed
        }
        if (spec.addDummyPrefix()) {
            cps[n] = space;
            from[n] = i;
            to[n] = i;
            n++;
        }
        boolean prevSpace = spec.removeExtraWhitespaces();
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && width == 1) {
                cp = 0xFFFD; // a lone surrogate is invalid UTF-8 to SentencePiece, which reads it as U+FFFD
            }
            if (cp == ' ') {
                if (!(spec.removeExtraWhitespaces() && prevSpace)) {
                    cps[n] = space;
                    from[n] = i;
                    to[n] = i + width;
                    n++;
                }
                prevSpace = true;
            } else {
                cps[n] = cp;
                from[n] = i;
                to[n] = i + width;
                n++;
                prevSpace = false;
            }
            i += width;
        }
        if (spec.removeExtraWhitespaces()) {
            while (n > 0 && cps[n - 1] == space) {
                n--;
            }
        }
        return new Normalized(cps, from, to, n);
    }

    /** A candidate merge of symbols {@code left} and {@code right}, {@code size} code points long when made. */
    private record Pair(int left, int right, float score, int size) {
    }

    /** Ids, pieces and input spans of {@code text}, as {@code SentencePieceProcessor.encode} gives the ids. */
    public Tokens encode(String text) {
        Normalized norm = normalize(text);
        int n = norm.length();
        if (n == 0) {
            return new Tokens(new long[0], List.of(), new int[0], new int[0]);
        }
        String normalized = new String(norm.cps(), 0, n);
        int[] charAt = new int[n + 1]; // code point index -> char index in normalized
        for (int k = 0, c = 0; k <= n; k++) {
            charAt[k] = c;
            if (k < n) {
                c += Character.charCount(norm.cps()[k]);
            }
        }
        // symbols: code point ranges [start, end), linked left to right
        int[] start = new int[n];
        int[] end = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] frozen = new boolean[n];
        int count = 0;
        for (int k = 0; k < n; ) {
            int len = userDefinedAt(norm.cps(), k, n);
            start[count] = k;
            end[count] = k + Math.max(len, 1);
            frozen[count] = len > 0;
            prev[count] = count - 1;
            count++;
            k += Math.max(len, 1);
        }
        for (int s = 0; s < count; s++) {
            next[s] = s + 1 < count ? s + 1 : -1;
        }

        PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
        Map<String, Integer> unmerge = new HashMap<>(); // UNUSED piece -> the char length of its left half
        for (int s = 1; s < count; s++) {
            addPair(s - 1, s, start, end, frozen, normalized, charAt, agenda, unmerge);
        }
        while (!agenda.isEmpty()) {
            Pair top = agenda.poll();
            int l = top.left();
            int r = top.right();
            // stale: a side was merged away (empty) or has grown since the pair was made
            if (start[l] == end[l] || start[r] == end[r] || (end[l] - start[l]) + (end[r] - start[r]) != top.size()) {
                continue;
            }
            end[l] = end[r];
            start[r] = end[r];
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                addPair(prev[l], l, start, end, frozen, normalized, charAt, agenda, unmerge);
            }
            if (next[l] >= 0) {
                addPair(l, next[l], start, end, frozen, normalized, charAt, agenda, unmerge);
            }
        }

        List<Long> ids = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        for (int s = 0; s >= 0; s = next[s]) {
            emit(normalized, charAt[start[s]], charAt[end[s]], unmerge, norm.from()[start[s]], norm.to()[end[s] - 1],
                    ids, pieces, starts, ends);
        }
        long[] idArray = ids.stream().mapToLong(Long::longValue).toArray();
        return new Tokens(idArray, pieces, starts.stream().mapToInt(Integer::intValue).toArray(),
                ends.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The length in code points of the longest user-defined piece at {@code k}, 0 if none. */
    private int userDefinedAt(int[] cps, int k, int n) {
        List<int[]> candidates = userDefined.get(cps[k]);
        if (candidates == null) {
            return 0;
        }
        for (int[] c : candidates) {
            if (c.length <= n - k && Arrays.equals(c, 0, c.length, cps, k, k + c.length)) {
                return c.length;
            }
        }
        return 0;
    }

    private void addPair(int l, int r, int[] start, int[] end, boolean[] frozen, String normalized, int[] charAt,
                         PriorityQueue<Pair> agenda, Map<String, Integer> unmerge) {
        if (frozen[l] || frozen[r]) {
            return;
        }
        String piece = normalized.substring(charAt[start[l]], charAt[end[r]]);
        Integer id = mergeable.get(piece);
        if (id == null) {
            return;
        }
        agenda.add(new Pair(l, r, scores[id], end[r] - start[l]));
        if (types[id] == PieceType.UNUSED) {
            unmerge.put(piece, charAt[end[l]] - charAt[start[l]]);
        }
    }

    /** One symbol normalized[from, to) as ids: UNUSED pieces split back, unknown ones as bytes. */
    private void emit(String normalized, int from, int to, Map<String, Integer> unmerge, int spanStart, int spanEnd,
                      List<Long> ids, List<String> pieces, List<Integer> starts, List<Integer> ends) {
        String w = normalized.substring(from, to);
        int id = pieceToId(w);
        if (types[id] == PieceType.UNUSED && unmerge.containsKey(w)) {
            int half = from + unmerge.get(w);
            emit(normalized, from, half, unmerge, spanStart, spanEnd, ids, pieces, starts, ends);
            emit(normalized, half, to, unmerge, spanStart, spanEnd, ids, pieces, starts, ends);
            return;
        }
        if (id == unkId && model.byteFallback()) {
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) {
                int byteId = byteIds[b & 0xFF];
                ids.add((long) byteId);
                pieces.add(pieceText[byteId]);
                starts.add(spanStart);
                ends.add(spanEnd);
            }
            return;
        }
        ids.add((long) id);
        pieces.add(id == unkId ? w : pieceText[id]);
        starts.add(spanStart);
        ends.add(spanEnd);
    }

    /**
     * The text of {@code ids} as {@code SentencePieceProcessor.decode} gives it: control pieces are
     * invisible, the unknown piece is {@code unk_surface} (" ⁇ "), runs of byte pieces are UTF-8 (each
     * invalid byte U+FFFD), "▁" is a space, and the first visible piece loses one leading "▁" when the
     * model adds a dummy prefix or removes extra whitespace.
     *
     * @throws IllegalArgumentException for an id outside the model's pieces
     */
    public String decode(long[] ids) {
        StringBuilder out = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SentencePieceModel.Normalizer spec = model.normalizer();
        boolean stripFirst = spec.addDummyPrefix() || spec.removeExtraWhitespaces();
        for (long id : ids) {
            if (id < 0 || id >= pieceText.length) {
                throw new IllegalArgumentException("id " + id + " is outside " + model.source() + "'s " + pieceText.length + " pieces");
            }
            int i = (int) id;
            if (types[i] == PieceType.BYTE) {
                bytes.write(byteOf(pieceText[i], model.source().toString(), i));
                continue;
            }
            appendUtf8(bytes, out);
            switch (types[i]) {
                case CONTROL -> {
                }
                case UNKNOWN -> out.append(model.unkSurface());
                default -> {
                    String piece = pieceText[i];
                    String space = new String(Character.toChars(SPACE_SYMBOL));
                    if (stripFirst && out.isEmpty() && piece.startsWith(space)) {
                        piece = piece.substring(space.length());
                    }
                    out.append(piece.replace(space, " "));
                }
            }
        }
        appendUtf8(bytes, out);
        return out.toString();
    }

    /** Byte pieces' bytes as text: each valid UTF-8 sequence its character, each other byte U+FFFD. */
    private static void appendUtf8(ByteArrayOutputStream pending, StringBuilder out) {
        if (pending.size() == 0) {
            return;
        }
        byte[] b = pending.toByteArray();
        pending.reset();
        int i = 0;
        while (i < b.length) {
            int c0 = b[i] & 0xFF;
            int len = c0 < 0x80 ? 1 : (c0 & 0xE0) == 0xC0 ? 2 : (c0 & 0xF0) == 0xE0 ? 3 : (c0 & 0xF8) == 0xF0 ? 4 : 0;
            int cp = -1;
            if (len == 1) {
                cp = c0;
            } else if (len > 1 && i + len <= b.length) {
                cp = c0 & (0xFF >> (len + 1));
                for (int k = 1; k < len && cp >= 0; k++) {
                    int ck = b[i + k] & 0xFF;
                    cp = (ck & 0xC0) == 0x80 ? cp << 6 | (ck & 0x3F) : -1;
                }
                int min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
                    cp = -1; // overlong, past Unicode, or a surrogate
                }
            }
            if (cp < 0) {
                out.append('\uFFFD');
                i++;
            } else {
                out.appendCodePoint(cp);
                i += len;
            }
        }
    }
}
