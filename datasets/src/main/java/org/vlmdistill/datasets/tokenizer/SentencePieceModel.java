package org.vlmdistill.datasets.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A SentencePiece {@code tokenizer.model}: the fields of its {@code ModelProto} (sentencepiece_model.proto)
 * that encoding and decoding read. The piece at index i has id i.
 *
 * <pre>
 * ModelProto      1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec, 5 denormalizer_spec
 * SentencePiece   1 piece (string), 2 score (float), 3 type (enum, default NORMAL)
 * TrainerSpec     3 model_type (UNIGRAM 1 default, BPE 2, WORD 3, CHAR 4), 24 treat_whitespace_as_suffix,
 *                 35 byte_fallback, 44 unk_surface (default " \u2047 ")
 * NormalizerSpec  1 name, 2 precompiled_charsmap (bytes), 3 add_dummy_prefix, 4 remove_extra_whitespaces,
 *                 5 escape_whitespaces (each default true)
 * </pre>
 *
 * A message field given twice is merged, as protobuf parsers do (later scalars win).
 *
 * @param source     the file, for error messages
 * @param modelType  trainer_spec.model_type by its proto name ("BPE", "UNIGRAM", ...)
 * @param normalizer normalizer_spec
 * @param denormalizerCharsmapBytes the length of denormalizer_spec.precompiled_charsmap (0 when absent)
 */
public record SentencePieceModel(Path source, List<Piece> pieces, String modelType, boolean byteFallback,
                                 boolean treatWhitespaceAsSuffix, String unkSurface, Normalizer normalizer,
                                 int denormalizerCharsmapBytes) {

    /** SentencePiece.Type, by proto number. */
    public enum PieceType {
        NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

        static PieceType of(long number, ProtoWire where) {
            return switch ((int) number) {
                case 1 -> NORMAL;
                case 2 -> UNKNOWN;
                case 3 -> CONTROL;
                case 4 -> USER_DEFINED;
                case 5 -> UNUSED;
                case 6 -> BYTE;
                default -> throw where.malformed("piece type " + number
                        + " is none of NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6");
            };
        }
    }

    public record Piece(String piece, float score, PieceType type) {
        public Piece {
            Objects.requireNonNull(piece, "piece");
            Objects.requireNonNull(type, "type");
        }
    }

    /**
     * normalizer_spec.
     *
     * @param charsmapBytes the length of precompiled_charsmap; 0 for the identity normalizer
     */
    public record Normalizer(String name, int charsmapBytes, boolean addDummyPrefix, boolean removeExtraWhitespaces,
                             boolean escapeWhitespaces) {
    }

    public SentencePieceModel {
        Objects.requireNonNull(source, "source");
        pieces = List.copyOf(pieces);
        Objects.requireNonNull(normalizer, "normalizer");
    }

    /**
     * Reads a model file.
     *
     * @throws NoSuchFileException      naming the file when it is not there
     * @throws IllegalArgumentException naming the file when it is not a SentencePiece model
     */
    public static SentencePieceModel read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no SentencePiece model file (tokenizer.model)");
        }
        byte[] bytes = Files.readAllBytes(file);
        ProtoWire model = new ProtoWire(bytes, 0, bytes.length, file.toString());
        List<Piece> pieces = new ArrayList<>();
        Trainer trainer = new Trainer();
        NormalizerFields normalizer = new NormalizerFields();
        NormalizerFields denormalizer = new NormalizerFields();
        while (!model.done()) {
            long key = model.key();
            switch (ProtoWire.fieldNumber(key)) {
                case 1 -> {
                    model.expect(key, ProtoWire.LENGTH_DELIMITED);
                    pieces.add(piece(model.message("pieces[" + pieces.size() + "]")));
                }
                case 2 -> {
                    model.expect(key, ProtoWire.LENGTH_DELIMITED);
                    trainer.merge(model.message("trainer_spec"));
                }
                case 3 -> {
                    model.expect(key, ProtoWire.LENGTH_DELIMITED);
                    normalizer.merge(model.message("normalizer_spec"));
                }
                case 5 -> {
                    model.expect(key, ProtoWire.LENGTH_DELIMITED);
                    denormalizer.merge(model.message("denormalizer_spec"));
                }
                default -> model.skip(key);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException(file + ": not a SentencePiece model: it has no pieces");
        }
        return new SentencePieceModel(file, pieces, trainer.modelType, trainer.byteFallback, trainer.suffix,
                trainer.unkSurface, new Normalizer(normalizer.name, normalizer.charsmapBytes, normalizer.addDummyPrefix,
                normalizer.removeExtraWhitespaces, normalizer.escapeWhitespaces), denormalizer.charsmapBytes);
    }

    private static Piece piece(ProtoWire m) {
        String piece = null;
        float score = 0;
        PieceType type = PieceType.NORMAL;
        while (!m.done()) {
            long key = m.key();
            switch (ProtoWire.fieldNumber(key)) {
                case 1 -> {
                    m.expect(key, ProtoWire.LENGTH_DELIMITED);
                    piece = m.string();
                }
                case 2 -> {
                    m.expect(key, ProtoWire.FIXED32);
                    score = m.fixed32Float();
                }
                case 3 -> {
                    m.expect(key, ProtoWire.VARINT);
                    type = PieceType.of(m.varint(), m);
                }
                default -> m.skip(key);
            }
        }
        if (piece == null) {
            throw m.malformed("a piece has no string (field 1)");
        }
        return new Piece(piece, score, type);
    }

    private static final class Trainer {
        String modelType = "UNIGRAM";
        boolean byteFallback;
        boolean suffix;
        String unkSurface = " \u2047 ";

        void merge(ProtoWire m) {
            while (!m.done()) {
                long key = m.key();
                switch (ProtoWire.fieldNumber(key)) {
                    case 3 -> {
                        m.expect(key, ProtoWire.VARINT);
                        long t = m.varint();
                        modelType = switch ((int) t) {
                            case 1 -> "UNIGRAM";
                            case 2 -> "BPE";
                            case 3 -> "WORD";
                            case 4 -> "CHAR";
                            default -> "model_type " + t;
                        };
                    }
                    case 24 -> {
                        m.expect(key, ProtoWire.VARINT);
                        suffix = m.varint() != 0;
                    }
                    case 35 -> {
                        m.expect(key, ProtoWire.VARINT);
                        byteFallback = m.varint() != 0;
                    }
                    case 44 -> {
                        m.expect(key, ProtoWire.LENGTH_DELIMITED);
                        unkSurface = m.string();
                    }
                    default -> m.skip(key);
                }
            }
        }
    }

    private static final class NormalizerFields {
        String name = "";
        int charsmapBytes;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;

        void merge(ProtoWire m) {
            while (!m.done()) {
                long key = m.key();
                switch (ProtoWire.fieldNumber(key)) {
                    case 1 -> {
                        m.expect(key, ProtoWire.LENGTH_DELIMITED);
                        name = m.string();
                    }
                    case 2 -> {
                        m.expect(key, ProtoWire.LENGTH_DELIMITED);
                        charsmapBytes = m.skipBytes();
                    }
                    case 3 -> {
                        m.expect(key, ProtoWire.VARINT);
                        addDummyPrefix = m.varint() != 0;
                    }
                    case 4 -> {
                        m.expect(key, ProtoWire.VARINT);
                        removeExtraWhitespaces = m.varint() != 0;
                    }
                    case 5 -> {
                        m.expect(key, ProtoWire.VARINT);
                        escapeWhitespaces = m.varint() != 0;
                    }
                    default -> m.skip(key);
                }
            }
        }
    }
}
