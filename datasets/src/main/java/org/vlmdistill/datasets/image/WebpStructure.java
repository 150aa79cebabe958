package org.vlmdistill.datasets.image;

/**
 * A WebP's RIFF chunks, walked without decoding: the canvas size (from VP8X, or the lone VP8 / VP8L
 * bitstream's header), whether it is animated, and the orientation.
 *
 * @param width       0 when no header could be read
 * @param orientation EXIF Orientation from the EXIF chunk, else XMP's {@code tiff:Orientation}, else 0
 * @param complete    whether the data holds the whole RIFF file its header declares
 */
record WebpStructure(int width, int height, boolean animated, int orientation, boolean complete) {

    static WebpStructure parse(byte[] d) {
        int width = 0;
        int height = 0;
        boolean animated = false;
        int exif = 0;
        int xmp = 0;
        int p = 12;
        while (p + 8 <= d.length) {
            long size = Exif.u32(d, p + 4, true);
            int body = p + 8;
            int available = (int) Math.min(size, d.length - body);
            String fourCc = new String(d, p, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            switch (fourCc) {
                case "VP8X" -> {
                    if (available >= 10) {
                        animated = (d[body] & 0x02) != 0;
                        width = 1 + u24(d, body + 4);
                        height = 1 + u24(d, body + 7);
                    }
                }
                case "VP8 " -> {
                    // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (2 scale bits each)
                    if (width == 0 && available >= 10) {
                        width = (int) Exif.u32(d, body + 6, true) & 0x3FFF;
                        height = (int) (Exif.u32(d, body + 6, true) >>> 16) & 0x3FFF;
                    }
                }
                case "VP8L" -> {
                    // signature 0x2f, then width-1 and height-1 in 14 bits each, least significant first
                    if (width == 0 && available >= 5) {
                        long bits = Exif.u32(d, body + 1, true);
                        width = 1 + (int) (bits & 0x3FFF);
                        height = 1 + (int) ((bits >>> 14) & 0x3FFF);
                    }
                }
                case "EXIF" -> exif = exif > 0 ? exif : Exif.orientation(d, body, available);
                case "XMP " -> xmp = Exif.xmpOrientation(d, body, available);
                default -> {
                    // ICCP, ALPH, ANIM, ANMF, unknown chunks
                }
            }
            if (size > d.length - body) {
                break;
            }
            p = body + (int) size + (int) (size & 1); // chunks are padded to even length
        }
        boolean complete = d.length >= 12 && Exif.u32(d, 4, true) + 8 <= d.length;
        return new WebpStructure(width, height, animated, exif > 0 ? exif : xmp, complete);
    }

    private static int u24(byte[] d, int p) {
        return (d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8 | (d[p + 2] & 0xFF) << 16;
    }
}
