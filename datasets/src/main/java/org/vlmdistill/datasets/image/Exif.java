package org.vlmdistill.datasets.image;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Orientation tag from TIFF-structured metadata: a JPEG's APP1 Exif segment, a PNG's eXIf
 * chunk, a WebP's EXIF chunk, or a TIFF file itself (its first IFD). Lenient like Pillow: malformed
 * metadata means "no orientation", never an error, since the pixels may still be fine.
 */
final class Exif {
    static final int ORIENTATION_TAG = 0x0112;

    // Pillow's fallback when EXIF has no orientation (Image.getexif, XMP read since Pillow 10.4)
    private static final Pattern XMP_ORIENTATION = Pattern.compile("tiff:Orientation(=\"|>)([0-9])");

    private Exif() {}

    /**
     * The Orientation of IFD0 in {@code data[off, off + len)}, which holds a TIFF header and its
     * directories (optionally after {@code "Exif\0\0"}, which some PNG and WebP writers keep);
     * 0 when absent or unreadable.
     */
    static int orientation(byte[] data, int off, int len) {
        int end = Math.min(data.length, off + len);
        if (end - off >= 6 && data[off] == 'E' && data[off + 1] == 'x' && data[off + 2] == 'i' && data[off + 3] == 'f'
                && data[off + 4] == 0 && data[off + 5] == 0) {
            off += 6;
        }
        if (end - off < 8) {
            return 0;
        }
        boolean little;
        if (data[off] == 'I' && data[off + 1] == 'I') {
            little = true;
        } else if (data[off] == 'M' && data[off + 1] == 'M') {
            little = false;
        } else {
            return 0;
        }
        if (u16(data, off + 2, little) != 42) {
            return 0; // BigTIFF (43) keeps its directories elsewhere; not read
        }
        long ifd = u32(data, off + 4, little);
        if (ifd < 8 || off + ifd + 2 > end) {
            return 0;
        }
        int p = (int) (off + ifd);
        int entries = u16(data, p, little);
        p += 2;
        for (int i = 0; i < entries && p + 12 <= end; i++, p += 12) {
            if (u16(data, p, little) != ORIENTATION_TAG) {
                continue;
            }
            int type = u16(data, p + 2, little);
            long count = u32(data, p + 4, little);
            if (count < 1) {
                return 0;
            }
            // the value sits left-aligned in the 4-byte field
            return switch (type) {
                case 1, 7 -> data[p + 8] & 0xFF;          // BYTE, UNDEFINED
                case 3, 8 -> u16(data, p + 8, little);    // SHORT, SSHORT
                case 4, 9 -> (int) Math.min(Integer.MAX_VALUE, u32(data, p + 8, little)); // LONG, SLONG
                default -> 0;
            };
        }
        return 0;
    }

    /** {@code tiff:Orientation} in an XMP packet (attribute or element form); 0 when absent. */
    static int xmpOrientation(byte[] data, int off, int len) {
        Matcher m = XMP_ORIENTATION.matcher(new String(data, off, len, StandardCharsets.ISO_8859_1));
        return m.find() ? m.group(2).charAt(0) - '0' : 0;
    }

    static int u16(byte[] d, int p, boolean little) {
        return little ? (d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8 : (d[p] & 0xFF) << 8 | (d[p + 1] & 0xFF);
    }

    static long u32(byte[] d, int p, boolean little) {
        return little
                ? (d[p] & 0xFFL) | (d[p + 1] & 0xFFL) << 8 | (d[p + 2] & 0xFFL) << 16 | (d[p + 3] & 0xFFL) << 24
                : (d[p] & 0xFFL) << 24 | (d[p + 1] & 0xFFL) << 16 | (d[p + 2] & 0xFFL) << 8 | (d[p + 3] & 0xFFL);
    }
}
