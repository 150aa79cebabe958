package org.vlmdistill.datasets.image;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The encodings {@link ImageDecoder} decodes, told apart by their first bytes (never by file name). */
public enum ImageFormat {
    JPEG, PNG, GIF, BMP, WEBP, TIFF;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** The format whose signature {@code data} starts with, if it is one of these. */
    public static Optional<ImageFormat> sniff(byte[] data) {
        if (startsWith(data, 0, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(data, 0, PNG_SIGNATURE)) {
            return Optional.of(PNG);
        }
        if (startsWithAscii(data, 0, "GIF87a") || startsWithAscii(data, 0, "GIF89a")) {
            return Optional.of(GIF);
        }
        if (startsWithAscii(data, 0, "RIFF") && startsWithAscii(data, 8, "WEBP")) {
            return Optional.of(WEBP);
        }
        // classic and BigTIFF, both byte orders
        if (startsWith(data, 0, (byte) 'I', (byte) 'I', (byte) 42, (byte) 0)
                || startsWith(data, 0, (byte) 'M', (byte) 'M', (byte) 0, (byte) 42)
                || startsWith(data, 0, (byte) 'I', (byte) 'I', (byte) 43, (byte) 0)
                || startsWith(data, 0, (byte) 'M', (byte) 'M', (byte) 0, (byte) 43)) {
            return Optional.of(TIFF);
        }
        // "BM" then a DIB header whose size is one of the known ones (12, 40, 52, 56, 64, 108, 124)
        if (startsWithAscii(data, 0, "BM") && data.length >= 18) {
            int dib = (data[14] & 0xFF) | (data[15] & 0xFF) << 8 | (data[16] & 0xFF) << 16 | (data[17] & 0xFF) << 24;
            if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) {
                return Optional.of(BMP);
            }
        }
        return Optional.empty();
    }

    /**
     * The name of a format that is recognised but not decoded here (documents, vector images, newer
     * codecs, web pages stored where an image should be), if {@code data} starts like one.
     */
    static Optional<String> sniffUnsupported(byte[] data) {
        if (startsWithAscii(data, 0, "%PDF")) {
            return Optional.of("PDF");
        }
        if (startsWithAscii(data, 4, "ftyp") && data.length >= 12) {
            String brand = new String(data, 8, 4, StandardCharsets.ISO_8859_1);
            return Optional.of(switch (brand) {
                case "avif", "avis" -> "AVIF";
                case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1" -> "HEIF/HEIC";
                default -> "ISO media ('" + brand + "')";
            });
        }
        if (startsWith(data, 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0x0C, (byte) 'j', (byte) 'P', (byte) ' ', (byte) ' ')
                || startsWith(data, 0, (byte) 0xFF, (byte) 0x4F, (byte) 0xFF, (byte) 0x51)) {
            return Optional.of("JPEG 2000");
        }
        if (startsWith(data, 0, (byte) 0xFF, (byte) 0x0A)
                || startsWith(data, 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0x0C, (byte) 'J', (byte) 'X', (byte) 'L', (byte) ' ')) {
            return Optional.of("JPEG XL");
        }
        if (startsWithAscii(data, 0, "8BPS")) {
            return Optional.of("Photoshop PSD");
        }
        if (startsWith(data, 0, (byte) 0, (byte) 0, (byte) 1, (byte) 0) && data.length >= 6 && data[5] == 0 && data[4] != 0) {
            return Optional.of("ICO");
        }
        if (startsWithAscii(data, 0, "qoif")) {
            return Optional.of("QOI");
        }
        if (startsWithAscii(data, 0, "RIFF") && data.length >= 12) {
            return Optional.of("RIFF container ('" + new String(data, 8, 4, StandardCharsets.ISO_8859_1) + "')");
        }
        String head = textHead(data);
        if (head.startsWith("<svg") || head.startsWith("<?xml") && head.contains("<svg")) {
            return Optional.of("SVG");
        }
        if (head.startsWith("<!doctype html") || head.startsWith("<html")) {
            return Optional.of("HTML page");
        }
        if (head.startsWith("<?xml")) {
            return Optional.of("XML document");
        }
        return Optional.empty();
    }

    /** The first 512 bytes as lower-case text, after a UTF-8 byte-order mark and leading white space. */
    private static String textHead(byte[] data) {
        int from = startsWith(data, 0, (byte) 0xEF, (byte) 0xBB, (byte) 0xBF) ? 3 : 0;
        while (from < data.length && Character.isWhitespace(data[from])) {
            from++;
        }
        int to = Math.min(data.length, from + 512);
        return new String(data, from, to - from, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean startsWithAscii(byte[] data, int at, String ascii) {
        return startsWith(data, at, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static boolean startsWith(byte[] data, int at, byte... prefix) {
        if (data.length < at + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
