package org.vlmdistill.datasets.image;

import org.junit.jupiter.api.Test;
import org.vlmdistill.datasets.image.ImageDecodeException.Kind;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input gives an {@link ImageDecodeException} of the right kind that names the image, and never
 * anything else (no IIOException, NullPointerException, OutOfMemoryError), with and without OpenCV.
 */
class BrokenImagesTest {

    private static final ImageDecoder[] DECODERS = {
            new ImageDecoder(), new ImageDecoder(ImageDecoder.Options.defaults().withOpenCv(false))};

    private static void assertKind(Kind kind, String name, byte[] data) {
        for (ImageDecoder d : DECODERS) {
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> d.decode(name, data),
                    name + " decoded" + (d.usesOpenCv() ? " (OpenCV)" : ""));
            assertEquals(kind, e.kind(), e.getMessage());
            assertEquals(name, e.source());
            assertTrue(e.getMessage().startsWith(name + ": " + kind.label() + ": "), e.getMessage());
        }
    }

    @Test
    void truncatedJpeg() {
        byte[] jpg = Fixtures.bytes("photo-2x2.jpg");
        assertKind(Kind.TRUNCATED, "half.jpg", Arrays.copyOf(jpg, jpg.length / 2));
        assertKind(Kind.TRUNCATED, "no-eoi.jpg", Arrays.copyOf(jpg, jpg.length - 2)); // Pillow refuses it too
        assertKind(Kind.TRUNCATED, "header-only.jpg", Arrays.copyOf(jpg, 100));
        assertKind(Kind.TRUNCATED, "soi-only.jpg", Arrays.copyOf(jpg, 3));
        byte[] progressive = Fixtures.bytes("photo-progressive.jpg");
        assertKind(Kind.TRUNCATED, "progressive.jpg", Arrays.copyOf(progressive, progressive.length * 3 / 4));
    }

    @Test
    void trailingBytesAfterTheJpegAreIgnored() {
        byte[] jpg = Fixtures.bytes("photo-2x2.jpg");
        byte[] padded = Arrays.copyOf(jpg, jpg.length + 100);
        for (ImageDecoder d : DECODERS) {
            assertEquals(0, Fixtures.maxDiff(d.decode("a", jpg), d.decode("padded.jpg", padded)));
        }
    }

    @Test
    void truncatedPng() {
        byte[] png = Fixtures.bytes("photo.png");
        assertKind(Kind.TRUNCATED, "half.png", Arrays.copyOf(png, png.length / 2));
        assertKind(Kind.TRUNCATED, "ihdr-only.png", Arrays.copyOf(png, 33));
        assertKind(Kind.TRUNCATED, "signature-only.png", Arrays.copyOf(png, 8));
    }

    @Test
    void pngWithoutIendDecodesAsInPillow() {
        byte[] png = Fixtures.bytes("photo.png");
        byte[] noEnd = Arrays.copyOf(png, png.length - 12);
        for (ImageDecoder d : DECODERS) {
            assertEquals(0, Fixtures.maxDiff(d.decode("a", png), d.decode("no-iend.png", noEnd)));
        }
    }

    @Test
    void pngWithBadCrc() {
        byte[] png = Fixtures.bytes("photo.png");
        byte[] badHeader = png.clone();
        badHeader[29] ^= 1; // IHDR's CRC
        assertKind(Kind.CORRUPT, "bad-ihdr-crc.png", badHeader);
        byte[] badData = png.clone();
        int idat = indexOf(png, "IDAT");
        int length = ByteBuffer.wrap(png, idat - 4, 4).getInt();
        badData[idat + 4 + length] ^= 1; // IDAT's CRC
        assertKind(Kind.CORRUPT, "bad-idat-crc.png", badData);
    }

    @Test
    void pngWithCorruptDataAndGoodCrc() {
        byte[] png = Fixtures.bytes("photo.png");
        int idat = indexOf(png, "IDAT");
        int length = ByteBuffer.wrap(png, idat - 4, 4).getInt();
        byte[] bad = png.clone();
        for (int i = idat + 4 + 10; i < idat + 4 + 60; i++) {
            bad[i] = (byte) 0xFF;
        }
        fixCrc(bad, idat - 4, length);
        assertKind(Kind.CORRUPT, "garbled-idat.png", bad);
    }

    @Test
    void notImages() {
        assertKind(Kind.TRUNCATED, "empty.jpg", new byte[0]);
        byte[] noise = new byte[2000];
        new SplittableRandom(1).nextBytes(noise);
        noise[0] = 0x13; // not by chance a signature
        assertKind(Kind.CORRUPT, "noise.jpg", noise);
        assertKind(Kind.UNSUPPORTED, "doc.pdf", "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1));
        assertKind(Kind.UNSUPPORTED, "icon.svg", "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8));
        assertKind(Kind.UNSUPPORTED, "icon2.svg", "  <svg width=\"10\" height=\"10\"></svg>".getBytes(StandardCharsets.UTF_8));
        assertKind(Kind.UNSUPPORTED, "404.jpg", "<!DOCTYPE html><html><body>Not Found</body></html>".getBytes(StandardCharsets.UTF_8));
        byte[] heic = new byte[32];
        System.arraycopy("\0\0\0\u0018ftypheic".getBytes(StandardCharsets.ISO_8859_1), 0, heic, 0, 12);
        assertKind(Kind.UNSUPPORTED, "phone.heic", heic);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODERS[0].decode("doc.pdf", "%PDF-1.4".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().contains("PDF"), e.getMessage());
    }

    @Test
    void unsupportedJpegProcesses() {
        byte[] jpg = Fixtures.bytes("photo-2x2.jpg");
        int sof = indexOf(jpg, new byte[] {(byte) 0xFF, (byte) 0xC0});
        byte[] twelveBit = jpg.clone();
        twelveBit[sof + 4] = 12;
        assertKind(Kind.UNSUPPORTED, "twelve.jpg", twelveBit);
        byte[] lossless = jpg.clone();
        lossless[sof + 1] = (byte) 0xC3;
        assertKind(Kind.UNSUPPORTED, "lossless.jpg", lossless);
    }

    @Test
    void oversizedHeadersAreRefusedBeforeDecoding() {
        // a PNG that declares 100000 x 100000 and stops: refused for its size, not its truncation
        byte[] png = new byte[33];
        System.arraycopy(Fixtures.bytes("pattern.png"), 0, png, 0, 33);
        ByteBuffer.wrap(png, 16, 8).putInt(100_000).putInt(100_000);
        fixCrc(png, 8, 13);
        assertKind(Kind.TOO_LARGE, "bomb.png", png);
        // with its image data, too: still nothing is inflated
        byte[] full = Fixtures.bytes("pattern.png").clone();
        ByteBuffer.wrap(full, 16, 8).putInt(100_000).putInt(100_000);
        fixCrc(full, 8, 13);
        assertKind(Kind.TOO_LARGE, "bomb-full.png", full);

        byte[] jpg = Fixtures.bytes("photo-2x2.jpg").clone();
        int sof = indexOf(jpg, new byte[] {(byte) 0xFF, (byte) 0xC0});
        ByteBuffer.wrap(jpg, sof + 5, 4).putShort((short) 0xFFFF).putShort((short) 0xFFFF);
        assertKind(Kind.TOO_LARGE, "bomb.jpg", jpg);

        byte[] gif = Fixtures.bytes("gif-framed.gif").clone();
        ByteBuffer.wrap(gif, 6, 4).put(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}); // logical screen
        assertKind(Kind.TOO_LARGE, "bomb.gif", gif);

        byte[] webp = Fixtures.bytes("webp-lossless.webp").clone(); // VP8L: 14-bit width-1 and height-1
        int vp8l = indexOf(webp, "VP8L") + 9;
        webp[vp8l] = (byte) 0xFF;
        webp[vp8l + 1] = (byte) 0xFF;
        webp[vp8l + 2] = (byte) 0xFF;
        webp[vp8l + 3] = (byte) (webp[vp8l + 3] | 0x0F);
        assertKind(Kind.TOO_LARGE, "bomb.webp", webp);
    }

    @Test
    void theLimitIsConfigurable() {
        byte[] png = Fixtures.bytes("pattern.png"); // 24 x 16 = 384 pixels
        assertEquals(24, new ImageDecoder(ImageDecoder.Options.defaults().withMaxPixels(384)).decode("ok.png", png).width());
        ImageDecoder small = new ImageDecoder(ImageDecoder.Options.defaults().withMaxPixels(383));
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> small.decode("big.png", png));
        assertEquals(Kind.TOO_LARGE, e.kind());
        for (String f : new String[] {"jpeg-orient-6.jpg", "webp-lossy.webp", "webp-alpha-lossy.webp", "tiff-rgb-lzw.tif",
                "gif-framed.gif", "photo.png"}) {
            long pixels = small.probe(f, Fixtures.bytes(f)).pixels();
            ImageDecoder limited = new ImageDecoder(ImageDecoder.Options.defaults().withMaxPixels(pixels - 1));
            assertEquals(Kind.TOO_LARGE, assertThrows(ImageDecodeException.class, () -> limited.decode(f, Fixtures.bytes(f))).kind(), f);
            assertEquals(pixels, new ImageDecoder(ImageDecoder.Options.defaults().withMaxPixels(pixels)).decode(f, Fixtures.bytes(f))
                    .rgb().length / 3, f);
        }
        assertEquals(178_956_970L, ImageDecoder.PIL_MAX_PIXELS);
        assertThrows(IllegalArgumentException.class, () -> ImageDecoder.Options.defaults().withMaxPixels(0));
    }

    /**
     * Every fixture cut short at many places and hit by random byte changes: each decode either
     * succeeds or throws an ImageDecodeException naming the image.
     */
    @Test
    void mangledFixturesOnlyEverThrowImageDecodeException() {
        // A mangled header can declare tens of megapixels, within Pillow's limit, which then take a
        // minute to decode (one WebP here became 5046296x16); the fixtures have at most 3072 pixels.
        ImageDecoder.Options small = ImageDecoder.Options.defaults().withMaxPixels(1 << 20);
        ImageDecoder[] decoders = {new ImageDecoder(small), new ImageDecoder(small.withOpenCv(false))};
        SplittableRandom random = new SplittableRandom(42);
        int failures = 0;
        int decoded = 0;
        for (Fixtures.Expected e : Fixtures.expected()) {
            byte[] original = Fixtures.bytes(e.file());
            for (int trial = 0; trial < 40; trial++) {
                byte[] data;
                if (trial < 12) {
                    data = Arrays.copyOf(original, random.nextInt(original.length));
                } else {
                    data = original.clone();
                    int changes = 1 + random.nextInt(trial < 30 ? 3 : 40);
                    for (int i = 0; i < changes; i++) {
                        data[8 + random.nextInt(data.length - 8)] = (byte) random.nextInt(256);
                    }
                }
                for (ImageDecoder d : decoders) {
                    String name = e.file() + "#" + trial;
                    try {
                        d.decode(name, data);
                        decoded++;
                    } catch (ImageDecodeException x) {
                        assertEquals(name, x.source());
                        failures++;
                    } catch (Throwable t) {
                        fail(name + (d.usesOpenCv() ? " (OpenCV)" : "") + " threw " + t, t);
                    }
                }
            }
        }
        System.out.println("mangled fixtures: " + decoded + " decoded, " + failures + " refused");
        assertTrue(failures > 0 && decoded > 0);
    }

    private static int indexOf(byte[] data, String ascii) {
        return indexOf(data, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    /** Recomputes the CRC of the chunk whose length field is at {@code at} and whose data is {@code length} bytes. */
    private static void fixCrc(byte[] png, int at, int length) {
        CRC32 crc = new CRC32();
        crc.update(png, at + 4, 4 + length);
        ByteBuffer.wrap(png, at + 8 + length, 4).putInt((int) crc.getValue());
    }
}
