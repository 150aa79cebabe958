package org.vlmdistill.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format, version 1 and 2, as far as the reference fixtures use it (the parity
 * tests of every module read their expected tensors with it): C order,
 * {@code <f4}, {@code <i8}, {@code |b1} (read as int64 0/1) or {@code |u1} (uint8). Magic {@code \x93NUMPY}, version,
 * header length (2 bytes in v1, 4 in v2), a Python dict literal, then the raw data.
 */
public final class Npy {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static NDArray read(NDManager manager, Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not an .npy file");
        }
        int major = buf.get();
        buf.get();
        int headerLength = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        byte[] header = new byte[headerLength];
        buf.get(header);
        String dict = new String(header, StandardCharsets.ISO_8859_1);
        String descr = field(DESCR, dict, file);
        if (field(FORTRAN, dict, file).equals("True")) {
            throw new IOException(file + ": Fortran order is not supported");
        }
        long[] dims = Arrays.stream(field(SHAPE, dict, file).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        Shape shape = new Shape(dims);
        int n = Math.toIntExact(shape.size());
        return switch (descr) {
            case "<f4" -> {
                float[] data = new float[n];
                buf.asFloatBuffer().get(data);
                yield manager.create(data, shape);
            }
            case "<i8" -> {
                long[] data = new long[n];
                buf.asLongBuffer().get(data);
                yield manager.create(data, shape);
            }
            case "|b1" -> {
                long[] data = new long[n];
                for (int i = 0; i < n; i++) {
                    data[i] = buf.get() == 0 ? 0 : 1;
                }
                yield manager.create(data, shape);
            }
            case "|u1" -> {
                byte[] data = new byte[n];
                buf.get(data);
                yield manager.create(ByteBuffer.wrap(data), shape, DataType.UINT8);
            }
            default -> throw new IOException(file + ": dtype " + descr + " is not supported");
        };
    }

    private static String field(Pattern p, String dict, Path file) throws IOException {
        Matcher m = p.matcher(dict);
        if (!m.find()) {
            throw new IOException(file + ": header " + dict.trim() + " lacks " + p.pattern());
        }
        return m.group(1);
    }
}
