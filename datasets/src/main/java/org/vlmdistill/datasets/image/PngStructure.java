package org.vlmdistill.datasets.image;

import org.vlmdistill.datasets.image.ImageDecodeException.Kind;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * A PNG's chunks, walked without inflating: the header, whether a tRNS chunk adds transparency,
 * the orientation, and what is wrong with the file.
 *
 * <p>Every chunk's CRC is checked. That is stricter than Pillow, which checks the chunks before the
 * image data but skips the CRCs of IDAT chunks; a wrong CRC means the bytes changed after they were
 * written, and libpng rejects it too for critical chunks. A file that ends cleanly after its image
 * data but lacks IEND is accepted, as Pillow accepts it (the decoder still has to find the zlib
 * stream complete).
 *
 * @param colorType   0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
 * @param orientation EXIF Orientation from an eXIf chunk, else XMP's {@code tiff:Orientation} from an
 *                    uncompressed {@code XML:com.adobe.xmp} iTXt chunk, else 0
 * @param complete    whether the IEND chunk was reached
 * @param defect      what stops the file from decoding, or null
 */
record PngStructure(int width, int height, int bitDepth, int colorType, boolean interlaced, boolean hasTrns,
                    int orientation, boolean complete, Defect defect) {

    private static final int IHDR = type("IHDR");
    private static final int IDAT = type("IDAT");
    private static final int IEND = type("IEND");
    private static final int TRNS = type("tRNS");
    private static final int EXIF = type("eXIf");
    private static final int ITXT = type("iTXt");

    boolean hasHeader() {
        return width > 0;
    }

    static PngStructure parse(byte[] d) {
        int n = d.length;
        int width = 0;
        int height = 0;
        int bitDepth = 0;
        int colorType = -1;
        boolean interlaced = false;
        boolean trns = false;
        boolean idat = false;
        int exifOrientation = 0;
        int xmpOrientation = 0;
        Defect defect = null;
        CRC32 crc = new CRC32();
        int p = 8;
        while (true) {
            if (p + 8 > n) {
                break;
            }
            long length = Exif.u32(d, p, false);
            int type = (int) Exif.u32(d, p + 4, false);
            String name = new String(d, p + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > Integer.MAX_VALUE || !isChunkType(d, p + 4)) {
                defect = new Defect(Kind.CORRUPT, "invalid chunk (length " + length + ", type "
                        + printable(name) + ") at byte " + p);
                break;
            }
            if (p == 8 && type != IHDR) {
                defect = new Defect(Kind.CORRUPT, "the first chunk is " + printable(name) + ", not IHDR");
                break;
            }
            if (p + 12 + length > n) {
                break;
            }
            int body = p + 8;
            int len = (int) length;
            crc.reset();
            crc.update(d, p + 4, 4 + len);
            if (crc.getValue() != Exif.u32(d, body + len, false)) {
                defect = new Defect(Kind.CORRUPT, "bad CRC in the " + name + " chunk at byte " + p);
                break;
            }
            if (type == IHDR) {
                if (p != 8) {
                    defect = new Defect(Kind.CORRUPT, "a second IHDR chunk at byte " + p);
                    break;
                }
                if (len != 13) {
                    defect = new Defect(Kind.CORRUPT, "IHDR of " + len + " bytes");
                    break;
                }
                long w = Exif.u32(d, body, false);
                long h = Exif.u32(d, body + 4, false);
                bitDepth = d[body + 8] & 0xFF;
                colorType = d[body + 9] & 0xFF;
                interlaced = d[body + 12] != 0;
                if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                    defect = new Defect(Kind.CORRUPT, "IHDR gives size " + w + "x" + h);
                    break;
                }
                width = (int) w;
                height = (int) h;
                if (!validDepth(colorType, bitDepth) || d[body + 10] != 0 || d[body + 11] != 0 || (d[body + 12] & 0xFF) > 1) {
                    defect = new Defect(Kind.CORRUPT, "IHDR has colour type " + colorType + ", bit depth " + bitDepth
                            + ", compression " + d[body + 10] + ", filter " + d[body + 11] + ", interlace " + d[body + 12]);
                    break;
                }
            } else if (type == IDAT) {
                idat = true;
            } else if (type == TRNS) {
                trns = true;
            } else if (type == EXIF) {
                exifOrientation = Exif.orientation(d, body, len);
            } else if (type == ITXT) {
                xmpOrientation = Math.max(xmpOrientation, xmpOrientation(d, body, len));
            } else if (type == IEND) {
                return new PngStructure(width, height, bitDepth, colorType, interlaced, trns,
                        exifOrientation > 0 ? exifOrientation : xmpOrientation, true,
                        idat ? null : new Defect(Kind.CORRUPT, "no image data (IDAT) before IEND"));
            }
            p += 12 + len;
        }
        if (defect == null && (!idat || p < n)) {
            defect = new Defect(Kind.TRUNCATED, !idat ? "the data ends before the image data (IDAT)"
                    : "the data ends inside a chunk at byte " + p);
        }
        return new PngStructure(width, height, bitDepth, colorType, interlaced, trns,
                exifOrientation > 0 ? exifOrientation : xmpOrientation, false, defect);
    }

    /** XMP orientation of an uncompressed iTXt chunk keyed {@code XML:com.adobe.xmp}; 0 otherwise. */
    private static int xmpOrientation(byte[] d, int body, int len) {
        byte[] key = "XML:com.adobe.xmp\0".getBytes(StandardCharsets.ISO_8859_1);
        if (len < key.length + 2 || !java.util.Arrays.equals(d, body, body + key.length, key, 0, key.length)) {
            return 0;
        }
        int flagAt = body + key.length;
        return d[flagAt] == 0 ? Exif.xmpOrientation(d, flagAt, body + len - flagAt) : 0;
    }

    private static boolean validDepth(int colorType, int bitDepth) {
        return switch (colorType) {
            case 0 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
            case 3 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
            case 2, 4, 6 -> bitDepth == 8 || bitDepth == 16;
            default -> false;
        };
    }

    private static boolean isChunkType(byte[] d, int at) {
        for (int i = at; i < at + 4; i++) {
            int c = d[i] & 0xFF;
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        return "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }

    private static int type(String name) {
        byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }
}
