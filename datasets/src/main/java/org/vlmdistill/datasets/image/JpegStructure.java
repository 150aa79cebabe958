package org.vlmdistill.datasets.image;

import org.vlmdistill.datasets.image.ImageDecodeException.Kind;

import java.nio.charset.StandardCharsets;

/**
 * A JPEG's marker segments, walked the way libjpeg reads them (junk between segments skipped,
 * entropy-coded data skipped up to the next marker), without decoding: the frame header, the
 * markers that decide the colour space, the orientation, and whether the file reaches its EOI.
 *
 * @param sofMarker      0xC0..0xCF: the coding process (baseline, progressive, arithmetic, lossless, ...)
 * @param componentIds   the frame's component identifiers (libjpeg guesses RGB from 'R','G','B')
 * @param adobeTransform APP14 Adobe colour transform (0 none, 1 YCbCr, 2 YCCK), -1 without the segment
 * @param orientation    EXIF Orientation of the first APP1 Exif segment, else XMP's {@code tiff:Orientation}, else 0
 * @param defect         what stops the file from decoding (truncation, broken structure, unsupported process), or null
 */
record JpegStructure(int width, int height, int precision, int sofMarker, int[] componentIds, boolean jfif,
                     int adobeTransform, int orientation, Defect defect) {

    /** The colour space libjpeg (and so Pillow) assigns to the components (jdapimin.c, default_decompress_parms). */
    enum Space { GRAY, YCBCR, RGB, CMYK, YCCK }

    boolean hasFrame() {
        return sofMarker != 0;
    }

    int components() {
        return componentIds.length;
    }

    Space space() {
        return switch (components()) {
            case 1 -> Space.GRAY;
            case 3 -> {
                if (jfif) {
                    yield Space.YCBCR;
                }
                if (adobeTransform >= 0) {
                    yield adobeTransform == 0 ? Space.RGB : Space.YCBCR;
                }
                yield componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B' ? Space.RGB : Space.YCBCR;
            }
            case 4 -> adobeTransform < 0 || adobeTransform == 0 ? Space.CMYK : Space.YCCK;
            default -> throw new IllegalStateException(components() + " components");
        };
    }

    /** Huffman-coded sequential or progressive, 8-bit, the processes every libjpeg build decodes. */
    boolean huffman8Bit() {
        return precision == 8 && (sofMarker == 0xC0 || sofMarker == 0xC1 || sofMarker == 0xC2);
    }

    static JpegStructure parse(byte[] d) {
        int n = d.length;
        int width = 0;
        int height = 0;
        int precision = 0;
        int sof = 0;
        int[] ids = new int[0];
        boolean jfif = false;
        int adobe = -1;
        int exifOrientation = -1;
        int xmpOrientation = 0;
        boolean scan = false;
        Defect defect = null;
        int p = 2; // after SOI
        walk:
        while (true) {
            while (p < n && d[p] != (byte) 0xFF) {
                p++; // junk before a marker: libjpeg warns and skips it
            }
            while (p < n && d[p] == (byte) 0xFF) {
                p++; // fill bytes
            }
            if (p >= n) {
                break;
            }
            int m = d[p++] & 0xFF;
            if (m == 0xD9) {
                return new JpegStructure(width, height, precision, sof, ids, jfif, adobe,
                        exifOrientation > 0 ? exifOrientation : xmpOrientation,
                        sof == 0 ? new Defect(Kind.CORRUPT, "no frame header (SOF) before the EOI marker") : defect);
            }
            if (m == 0x00 || m == 0x01 || m >= 0xD0 && m <= 0xD7) {
                continue; // stray stuffed byte, TEM or RSTn: no length
            }
            if (m == 0xD8) {
                defect = new Defect(Kind.CORRUPT, "a second SOI marker at byte " + (p - 2));
                break;
            }
            if (p + 2 > n) {
                break;
            }
            int len = (d[p] & 0xFF) << 8 | (d[p + 1] & 0xFF);
            if (len < 2) {
                defect = new Defect(Kind.CORRUPT, "segment 0x" + Integer.toHexString(0xFF00 | m) + " has length " + len);
                break;
            }
            if (p + len > n) {
                break;
            }
            int body = p + 2;
            int bodyLen = len - 2;
            switch (m) {
                case 0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF -> {
                    if (sof != 0) {
                        defect = new Defect(Kind.CORRUPT, "a second frame header (SOF) at byte " + (p - 2));
                        break walk;
                    }
                    if (bodyLen < 6) {
                        defect = new Defect(Kind.CORRUPT, "frame header of " + bodyLen + " bytes");
                        break walk;
                    }
                    sof = m;
                    precision = d[body] & 0xFF;
                    height = (d[body + 1] & 0xFF) << 8 | (d[body + 2] & 0xFF);
                    width = (d[body + 3] & 0xFF) << 8 | (d[body + 4] & 0xFF);
                    int nf = d[body + 5] & 0xFF;
                    if (bodyLen < 6 + 3 * nf) {
                        defect = new Defect(Kind.CORRUPT, "frame header too short for " + nf + " components");
                        break walk;
                    }
                    ids = new int[nf];
                    for (int i = 0; i < nf; i++) {
                        ids[i] = d[body + 6 + 3 * i] & 0xFF;
                    }
                    defect = unsupported(m, precision, nf, width, height);
                    if (defect != null) {
                        break walk;
                    }
                }
                case 0xDA -> {
                    if (sof == 0) {
                        defect = new Defect(Kind.CORRUPT, "a scan (SOS) before the frame header (SOF)");
                        break walk;
                    }
                    scan = true;
                    p += len;
                    // entropy-coded data runs to the next marker other than a stuffed 0xFF00 or RSTn
                    while (p + 1 < n) {
                        if (d[p] != (byte) 0xFF) {
                            p++;
                            continue;
                        }
                        int next = d[p + 1] & 0xFF;
                        if (next == 0x00 || next >= 0xD0 && next <= 0xD7) {
                            p += 2;
                        } else if (next == 0xFF) {
                            p++;
                        } else {
                            break;
                        }
                    }
                    if (p + 1 >= n) {
                        break walk;
                    }
                    continue;
                }
                case 0xE0 -> jfif |= startsWith(d, body, bodyLen, "JFIF\0");
                case 0xE1 -> {
                    if (exifOrientation < 0 && startsWith(d, body, bodyLen, "Exif\0\0")) {
                        exifOrientation = Exif.orientation(d, body + 6, bodyLen - 6);
                    } else if (startsWith(d, body, bodyLen, "http://ns.adobe.com/xap/1.0/\0")) {
                        xmpOrientation = Exif.xmpOrientation(d, body, bodyLen);
                    }
                }
                case 0xEE -> {
                    if (bodyLen >= 12 && startsWith(d, body, bodyLen, "Adobe")) {
                        adobe = d[body + 11] & 0xFF;
                    }
                }
                default -> {
                    // DHT, DQT, DRI, DAC, COM, other APPn: nothing to learn here
                }
            }
            p += len;
        }
        if (defect == null) {
            defect = new Defect(Kind.TRUNCATED, sof == 0 ? "the data ends before the frame header (SOF)"
                    : !scan ? "the data ends before the first scan"
                    : "the data ends inside the scan data, before the EOI marker");
        }
        return new JpegStructure(width, height, precision, sof, ids, jfif, adobe,
                exifOrientation > 0 ? exifOrientation : xmpOrientation, defect);
    }

    /** The processes and layouts libjpeg-turbo 2.x without 12-bit support, and so Pillow, refuse. */
    private static Defect unsupported(int sof, int precision, int components, int width, int height) {
        if (sof == 0xC3 || sof == 0xCB) {
            return new Defect(Kind.UNSUPPORTED, "lossless JPEG (SOF" + (sof - 0xC0) + ")");
        }
        if (sof >= 0xC5 && sof <= 0xC7 || sof >= 0xCD) {
            return new Defect(Kind.UNSUPPORTED, "hierarchical JPEG (SOF" + (sof - 0xC0) + ")");
        }
        if (precision != 8) {
            return new Defect(Kind.UNSUPPORTED, precision + "-bit JPEG");
        }
        if (components != 1 && components != 3 && components != 4) {
            return new Defect(Kind.UNSUPPORTED, "JPEG with " + components + " components");
        }
        if (height == 0) {
            return new Defect(Kind.UNSUPPORTED, "JPEG whose height is given by a DNL marker");
        }
        if (width == 0) {
            return new Defect(Kind.CORRUPT, "frame header gives width 0");
        }
        return null;
    }

    private static boolean startsWith(byte[] d, int at, int len, String ascii) {
        byte[] b = ascii.getBytes(StandardCharsets.ISO_8859_1);
        if (len < b.length) {
            return false;
        }
        for (int i = 0; i < b.length; i++) {
            if (d[at + i] != b[i]) {
                return false;
            }
        }
        return true;
    }
}
