package org.vlmdistill.core.safetensors;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds raw safetensors bytes by hand, so tests do not depend on the writer they check. */
final class Bytes {
    private Bytes() {
    }

    /** JSON written with ' for " to keep test sources readable. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** {@code [u64 LE n][rest]} with any n, true to the content or not. */
    static byte[] raw(long n, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(rest).array();
    }

    static byte[] raw(long n, String rest) {
        return raw(n, rest.getBytes(StandardCharsets.UTF_8));
    }

    /** A file with {@code header} (n = its UTF-8 length, no padding) followed by {@code dataBytes} bytes 0, 1, 2, ... */
    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(raw(header.length, header));
        for (int i = 0; i < dataBytes; i++) {
            out.write(i);
        }
        return out.toByteArray();
    }

    /** {@code values} as little-endian float32 bytes. */
    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
