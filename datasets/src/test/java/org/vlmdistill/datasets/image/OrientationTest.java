package org.vlmdistill.datasets.image;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.image.RgbImage;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** EXIF orientation: all eight JPEG fixtures come out upright; the transforms are Pillow's transposes. */
class OrientationTest {

    @Test
    void everyOrientedJpegDecodesToTheUprightPattern() {
        for (ImageDecoder d : new ImageDecoder[] {new ImageDecoder(), new ImageDecoder(ImageDecoder.Options.defaults().withOpenCv(false))}) {
            for (int o = 1; o <= 8; o++) {
                String name = "jpeg-orient-" + o + ".jpg";
                RgbImage img = d.decode(name, Fixtures.bytes(name));
                assertEquals(24, img.width(), name);
                assertEquals(16, img.height(), name);
                for (int i = 0; i < 6; i++) {
                    Fixtures.assertColor(Fixtures.PATTERN_CELLS[i], Fixtures.cell(img, i % 3, i / 3), 2, name + " cell " + i);
                }
            }
        }
    }

    @Test
    void webpAndTiffOrientationAreApplied() {
        ImageDecoder d = new ImageDecoder();
        for (String name : new String[] {"webp-orient-6.webp", "tiff-orient-6.tif"}) {
            RgbImage img = d.decode(name, Fixtures.bytes(name));
            assertEquals(24, img.width(), name);
            for (int i = 0; i < 6; i++) {
                Fixtures.assertColor(Fixtures.PATTERN_CELLS[i], Fixtures.cell(img, i % 3, i / 3), 0, name + " cell " + i);
            }
        }
    }

    /** Each orientation against Pillow's transpose written out pixel by pixel, on a 3x2 image of distinct pixels. */
    @Test
    void transformsArePillowsTransposes() {
        int w = 3;
        int h = 2;
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[3 * i] = (byte) i;
        }
        RgbImage stored = new RgbImage(w, h, px);
        assertSame(stored, ExifOrientation.TOP_LEFT.apply(stored));
        for (ExifOrientation o : ExifOrientation.values()) {
            RgbImage out = o.apply(stored);
            assertEquals(o.swapsAxes() ? h : w, out.width(), o.name());
            for (int y = 0; y < out.height(); y++) {
                for (int x = 0; x < out.width(); x++) {
                    int[] src = switch (o.tag()) {
                        case 1 -> new int[] {x, y};
                        case 2 -> new int[] {w - 1 - x, y};          // FLIP_LEFT_RIGHT
                        case 3 -> new int[] {w - 1 - x, h - 1 - y};  // ROTATE_180
                        case 4 -> new int[] {x, h - 1 - y};          // FLIP_TOP_BOTTOM
                        case 5 -> new int[] {y, x};                  // TRANSPOSE
                        case 6 -> new int[] {y, h - 1 - x};          // ROTATE_270 (90 degrees clockwise)
                        case 7 -> new int[] {w - 1 - y, h - 1 - x};  // TRANSVERSE
                        case 8 -> new int[] {w - 1 - y, x};          // ROTATE_90 (90 degrees anticlockwise)
                        default -> throw new AssertionError();
                    };
                    assertEquals(stored.at(src[0], src[1], 0), out.at(x, y, 0), o + " at (" + x + "," + y + ")");
                }
            }
        }
        assertEquals(ExifOrientation.TOP_LEFT, ExifOrientation.of(0));
        assertEquals(ExifOrientation.TOP_LEFT, ExifOrientation.of(9));
        assertEquals(ExifOrientation.LEFT_BOTTOM, ExifOrientation.of(8));
    }

    @Test
    void xmpOrientationIsTheFallbackAndExifWins() throws Exception {
        byte[] upright = Fixtures.bytes("jpeg-orient-1.jpg");
        byte[] stored = Fixtures.bytes("jpeg-orient-6.jpg"); // rotated pixels, EXIF says 6
        byte[] storedNoExif = stripApp1(stored);
        ImageDecoder d = new ImageDecoder();
        assertEquals(16, d.decode("no-exif.jpg", storedNoExif).width(), "without EXIF the stored pixels as they are");
        byte[] xmp = withApp1(storedNoExif, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description tiff:Orientation=\"6\"/></x:xmpmeta>");
        assertEquals(24, d.decode("xmp.jpg", xmp).width());
        byte[] xmpElement = withApp1(storedNoExif, "http://ns.adobe.com/xap/1.0/\0<tiff:Orientation>6</tiff:Orientation>");
        assertEquals(24, d.decode("xmp2.jpg", xmpElement).width());
        // EXIF (1, upright) beats XMP (6)
        byte[] both = withApp1(upright, "http://ns.adobe.com/xap/1.0/\0<rdf:Description tiff:Orientation=\"6\"/>");
        assertEquals(24, d.decode("both.jpg", both).width());
    }

    @Test
    void exifParserReadsBothByteOrdersAndSurvivesGarbage() {
        // II: tag 0x0112, SHORT, count 1, value 3
        byte[] le = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0};
        byte[] be = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0};
        assertEquals(3, Exif.orientation(le, 0, le.length));
        assertEquals(8, Exif.orientation(be, 0, be.length));
        byte[] prefixed = new byte[6 + le.length];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, prefixed, 0, 6);
        System.arraycopy(le, 0, prefixed, 6, le.length);
        assertEquals(3, Exif.orientation(prefixed, 0, prefixed.length));
        byte[] badOffset = le.clone();
        badOffset[4] = (byte) 0xF0;
        assertEquals(0, Exif.orientation(badOffset, 0, badOffset.length));
        assertEquals(0, Exif.orientation(le, 0, 10));
    }

    /** The JPEG without its APP1 segments. */
    private static byte[] stripApp1(byte[] jpg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpg, 0, 2);
        int p = 2;
        while ((jpg[p + 1] & 0xFF) != 0xDA) {
            int len = (jpg[p + 2] & 0xFF) << 8 | (jpg[p + 3] & 0xFF);
            if ((jpg[p + 1] & 0xFF) != 0xE1) {
                out.write(jpg, p, len + 2);
            }
            p += len + 2;
        }
        out.write(jpg, p, jpg.length - p);
        return out.toByteArray();
    }

    /** The JPEG with an APP1 segment holding {@code payload} right after SOI. */
    private static byte[] withApp1(byte[] jpg, String payload) {
        byte[] body = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write((body.length + 2) >> 8);
        out.write((body.length + 2) & 0xFF);
        out.write(body, 0, body.length);
        out.write(jpg, 2, jpg.length - 2);
        return out.toByteArray();
    }
}
