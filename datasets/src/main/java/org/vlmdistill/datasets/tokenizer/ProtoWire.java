package org.vlmdistill.datasets.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, as far as a SentencePiece model file needs it: each field is a key
 * (varint {@code number << 3 | wireType}) and a value; wire type 0 a varint, 1 eight bytes, 2 a
 * varint length and that many bytes (strings, bytes, nested messages), 5 four bytes (float).
 * Groups (3, 4) are not used by the format and are refused.
 */
final class ProtoWire {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final int end;
    private final String where;
    private int pos;

    /** Reads {@code buf[from, to)}; {@code where} names the file and message in errors. */
    ProtoWire(byte[] buf, int from, int to, String where) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
        this.where = where;
    }

    boolean done() {
        return pos >= end;
    }

    /** The next key; {@link #fieldNumber} and {@link #wireType} split it. */
    long key() {
        return varint();
    }

    static int fieldNumber(long key) {
        return (int) (key >>> 3);
    }

    static int wireType(long key) {
        return (int) (key & 7);
    }

    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw malformed("a varint runs past the end");
            }
            byte b = buf[pos++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw malformed("a varint is longer than 10 bytes");
    }

    float fixed32Float() {
        if (end - pos < 4) {
            throw malformed("a fixed32 runs past the end");
        }
        int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** A length-delimited value as a reader of its bytes. */
    ProtoWire message(String name) {
        int length = length();
        ProtoWire inner = new ProtoWire(buf, pos, pos + length, where + "." + name);
        pos += length;
        return inner;
    }

    String string() {
        int length = length();
        String s = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** The length of a length-delimited value, skipping it. */
    int skipBytes() {
        int length = length();
        pos += length;
        return length;
    }

    private int length() {
        long length = varint();
        if (length < 0 || length > end - pos) {
            throw malformed("a length of " + length + " runs past the end (" + (end - pos) + " bytes left)");
        }
        return (int) length;
    }

    /** Skips the value of a field this reader does not use. */
    void skip(long key) {
        switch (wireType(key)) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> skipBytes();
            case FIXED32 -> advance(4);
            default -> throw malformed("field " + fieldNumber(key) + " has wire type " + wireType(key)
                    + ", which a SentencePiece model does not use");
        }
    }

    /** Refuses a field whose wire type is not the one its number has in the format. */
    void expect(long key, int wireType) {
        if (wireType(key) != wireType) {
            throw malformed("field " + fieldNumber(key) + " has wire type " + wireType(key) + ", expected " + wireType);
        }
    }

    private void advance(int n) {
        if (end - pos < n) {
            throw malformed("a fixed-size value runs past the end");
        }
        pos += n;
    }

    IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException(where + ": not a SentencePiece model (protobuf): " + what + " at byte " + pos);
    }
}
