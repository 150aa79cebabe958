package org.vlmdistill.datasets.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.tiny.SyntheticPhoto;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images written by Java's own ImageIO writers, from fresh random pixels, decoded back: exact for
 * the lossless formats (the pixels written, the colour under transparent pixels kept beside its alpha
 * band, palette transparency no band, 16 bits to their high byte), close for JPEG. Every case runs with and without OpenCV.
 */
class ImageDecoderTest {

    private static final ImageDecoder WITH_OPENCV = new ImageDecoder();
    private static final ImageDecoder IMAGEIO_ONLY = new ImageDecoder(ImageDecoder.Options.defaults().withOpenCv(false));
    private static final ImageDecoder[] DECODERS = {WITH_OPENCV, IMAGEIO_ONLY};

    private final SplittableRandom random = new SplittableRandom(20261122);

    @Test
    void rgbPngRoundTripsExactly() throws IOException {
        for (int trial = 0; trial < 5; trial++) {
            BufferedImage image = randomImage(1 + random.nextInt(70), 1 + random.nextInt(50), BufferedImage.TYPE_3BYTE_BGR);
            byte[] png = encode(image, "png");
            for (ImageDecoder d : DECODERS) {
                assertArrayEquals(expectedRgb(image), d.decode("random.png", png).rgb());
            }
        }
    }

    @Test
    void rgbaPngKeepsItsColourAndItsAlphaBand() throws IOException {
        BufferedImage image = randomImage(37, 23, BufferedImage.TYPE_4BYTE_ABGR);
        byte[] png = encode(image, "png");
        for (ImageDecoder d : DECODERS) {
            RgbImage decoded = d.decode("rgba.png", png);
            assertArrayEquals(expectedRgb(image), decoded.rgb());
            assertArrayEquals(expectedAlpha(image), decoded.alpha());
        }
    }

    @Test
    void halfTransparentRedStaysRedAndIsPinkOverWhite() throws IOException {
        for (int alpha : new int[] {0, 127, 128}) {
            BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
            image.setRGB(0, 0, alpha << 24 | 0xFF0000);
            for (ImageDecoder d : DECODERS) {
                RgbImage rgb = d.decode("pink.png", encode(image, "png"));
                Fixtures.assertColor(new int[] {255, 0, 0}, new int[] {rgb.at(0, 0, 0), rgb.at(0, 0, 1), rgb.at(0, 0, 2)}, 0,
                        "red at alpha " + alpha);
                assertEquals(alpha, rgb.alphaAt(0, 0));
                RgbImage white = rgb.overWhite();
                int gb = alpha == 0 ? 255 : 128;
                Fixtures.assertColor(new int[] {255, gb, gb}, new int[] {white.at(0, 0, 0), white.at(0, 0, 1),
                        white.at(0, 0, 2)}, 1, "red at alpha " + alpha + " over white");
            }
        }
        // Pillow's alpha_composite over white, for three (value, alpha) pairs it was run on
        assertEquals(127, RgbImage.overWhite(0, 128));
        assertEquals(128, RgbImage.overWhite(0, 127));
        assertEquals(191, RgbImage.overWhite(0, 64));
        assertEquals(255, RgbImage.overWhite(77, 0));
        assertEquals(77, RgbImage.overWhite(77, 255));
    }

    @Test
    void greyIsReplicatedNotGammaCorrected() throws IOException {
        // Java2D's getRGB would treat CS_GRAY as linear and brighten 128 to about 187
        BufferedImage image = randomImage(31, 17, BufferedImage.TYPE_BYTE_GRAY);
        byte[] png = encode(image, "png");
        for (ImageDecoder d : DECODERS) {
            assertArrayEquals(expectedRgb(image), d.decode("grey.png", png).rgb());
        }
    }

    @Test
    void greyAlphaPng() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        BufferedImage image = new BufferedImage(cm, cm.createCompatibleWritableRaster(19, 11), false, null);
        fill(image.getRaster(), 8);
        byte[] png = encode(image, "png");
        RgbImage rgb = IMAGEIO_ONLY.decode("grey-alpha.png", png);
        int[] s = new int[2];
        for (int y = 0; y < 11; y++) {
            for (int x = 0; x < 19; x++) {
                image.getRaster().getPixel(x, y, s);
                assertEquals(s[0], rgb.at(x, y, 0));
                assertEquals(s[0], rgb.at(x, y, 2));
                assertEquals(s[1], rgb.alphaAt(x, y));
            }
        }
        assertArrayEquals(rgb.rgb(), WITH_OPENCV.decode("grey-alpha.png", png).rgb());
        assertArrayEquals(rgb.alpha(), WITH_OPENCV.decode("grey-alpha.png", png).alpha());
    }

    @Test
    void palettePngWithPerEntryAlphaKeepsThePaletteColourAndHasNoAlphaBand() throws IOException {
        byte[] r = new byte[16];
        byte[] g = new byte[16];
        byte[] b = new byte[16];
        byte[] a = new byte[16];
        for (int i = 0; i < 16; i++) {
            r[i] = (byte) random.nextInt(256);
            g[i] = (byte) random.nextInt(256);
            b[i] = (byte) random.nextInt(256);
            a[i] = (byte) (i == 3 ? 0 : i == 5 ? 255 : random.nextInt(256));
        }
        IndexColorModel icm = new IndexColorModel(8, 16, r, g, b, a);
        BufferedImage image = new BufferedImage(icm, icm.createCompatibleWritableRaster(23, 9), false, null);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 23; x++) {
                raster.setSample(x, y, 0, random.nextInt(16));
            }
        }
        byte[] png = encode(image, "png");
        assertTrue(new String(png, java.nio.charset.StandardCharsets.ISO_8859_1).contains("tRNS"), "the writer wrote tRNS");
        for (ImageDecoder d : DECODERS) {
            RgbImage rgb = d.decode("palette.png", png);
            assertTrue(!rgb.hasAlpha(), "Pillow keeps mode P: tRNS is no alpha band");
            for (int y = 0; y < 9; y++) {
                for (int x = 0; x < 23; x++) {
                    int i = raster.getSample(x, y, 0);
                    assertEquals(r[i] & 0xFF, rgb.at(x, y, 0));
                    assertEquals(g[i] & 0xFF, rgb.at(x, y, 1));
                    assertEquals(b[i] & 0xFF, rgb.at(x, y, 2));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sixteenBitPngKeepsTheHighByte(boolean alpha) throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        BufferedImage image = new BufferedImage(cm, cm.createCompatibleWritableRaster(21, 13), false, null);
        fill(image.getRaster(), 16);
        byte[] png = encode(image, "png");
        assertEquals(16, png[24], "IHDR bit depth");
        int bands = alpha ? 4 : 3;
        int[] s = new int[bands];
        for (ImageDecoder d : DECODERS) {
            RgbImage rgb = d.decode("sixteen.png", png);
            for (int y = 0; y < 13; y++) {
                for (int x = 0; x < 21; x++) {
                    image.getRaster().getPixel(x, y, s);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(s[c] >> 8, rgb.at(x, y, c));
                    }
                    assertEquals(alpha ? s[3] >> 8 : 255, rgb.alphaAt(x, y));
                }
            }
        }
    }

    @Test
    void sixteenBitGreyKeepsTheHighByte() throws IOException {
        BufferedImage image = new BufferedImage(9, 7, BufferedImage.TYPE_USHORT_GRAY);
        fill(image.getRaster(), 16);
        RgbImage rgb = WITH_OPENCV.decode("grey16.png", encode(image, "png"));
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 9; x++) {
                assertEquals(image.getRaster().getSample(x, y, 0) >> 8, rgb.at(x, y, 1));
            }
        }
    }

    @Test
    void oneBitPngIsBlackAndWhite() throws IOException {
        BufferedImage image = new BufferedImage(13, 5, BufferedImage.TYPE_BYTE_BINARY);
        fill(image.getRaster(), 1);
        RgbImage rgb = WITH_OPENCV.decode("bits.png", encode(image, "png"));
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 13; x++) {
                assertEquals(image.getRaster().getSample(x, y, 0) * 255, rgb.at(x, y, 2));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_USHORT_565_RGB})
    void bmp(int type) throws IOException {
        BufferedImage image = randomImage(17, 9, type);
        byte[] bmp = encode(image, "bmp");
        RgbImage rgb = WITH_OPENCV.decode("image.bmp", bmp);
        if (type == BufferedImage.TYPE_USHORT_565_RGB) {
            // 5 and 6 bits scaled up by Pillow's rule v * 255 / (2^bits - 1), truncated
            for (int y = 0; y < 9; y++) {
                for (int x = 0; x < 17; x++) {
                    int v = image.getRaster().getDataBuffer().getElem(y * 17 + x);
                    assertEquals((v >> 11) * 255 / 31, rgb.at(x, y, 0));
                    assertEquals((v >> 5 & 63) * 255 / 63, rgb.at(x, y, 1));
                    assertEquals((v & 31) * 255 / 31, rgb.at(x, y, 2));
                }
            }
        } else {
            assertArrayEquals(expectedRgb(image), rgb.rgb());
        }
    }

    @Test
    void gifIsItsFirstFrameWithThePaletteColourUnderTransparency() throws IOException {
        byte[] r = {(byte) 255, 0, 0, 10};
        byte[] g = {0, (byte) 255, 0, 20};
        byte[] b = {0, 0, (byte) 255, 30};
        IndexColorModel icm = new IndexColorModel(2, 4, r, g, b, 3); // index 3 transparent
        BufferedImage first = new BufferedImage(icm, icm.createCompatibleWritableRaster(8, 6), false, null);
        BufferedImage second = new BufferedImage(icm, icm.createCompatibleWritableRaster(8, 6), false, null);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                first.getRaster().setSample(x, y, 0, (x + y) % 4);
                second.getRaster().setSample(x, y, 0, 2);
            }
        }
        byte[] gif = encodeSequence(first, second);
        RgbImage rgb = WITH_OPENCV.decode("anim.gif", gif);
        assertEquals(8, rgb.width());
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                int i = (x + y) % 4;
                int[] want = {r[i] & 0xFF, g[i] & 0xFF, b[i] & 0xFF};
                Fixtures.assertColor(want, new int[] {rgb.at(x, y, 0), rgb.at(x, y, 1), rgb.at(x, y, 2)}, 0, "(" + x + "," + y + ")");
            }
        }
    }

    @Test
    void baselineJpegIsCloseAndBothPathsAgree() throws IOException {
        BufferedImage image = SyntheticPhoto.generate(96, 64, 3);
        byte[] jpg = encodeJpeg(image, 0.95f);
        RgbImage withOpenCv = WITH_OPENCV.decode("photo.jpg", jpg);
        RgbImage imageIo = IMAGEIO_ONLY.decode("photo.jpg", jpg);
        assertEquals(0, Fixtures.maxDiff(withOpenCv, imageIo), "libjpeg-turbo (OpenCV) and the JDK's libjpeg, 4:2:0");
        RgbImage original = new RgbImage(96, 64, expectedRgb(image));
        int diff = Fixtures.maxDiff(original, imageIo);
        assertTrue(diff <= 40, "JPEG at quality 0.95 moved a sample by " + diff);
        double mean = 0;
        for (int i = 0; i < original.rgb().length; i++) {
            mean += Math.abs((original.rgb()[i] & 0xFF) - (imageIo.rgb()[i] & 0xFF));
        }
        assertTrue(mean / original.rgb().length < 6, "mean JPEG error " + mean / original.rgb().length);
    }

    @Test
    void greyJpeg() throws IOException {
        BufferedImage image = new BufferedImage(40, 24, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) {
                image.getRaster().setSample(x, y, 0, x * 6);
            }
        }
        byte[] jpg = encodeJpeg(image, 0.95f);
        RgbImage a = WITH_OPENCV.decode("grey.jpg", jpg);
        RgbImage b = IMAGEIO_ONLY.decode("grey.jpg", jpg);
        assertEquals(0, Fixtures.maxDiff(a, b));
        for (int x = 0; x < 40; x += 7) {
            assertTrue(Math.abs(a.at(x, 10, 0) - x * 6) <= 4);
            assertEquals(a.at(x, 10, 0), a.at(x, 10, 2));
        }
    }

    @Test
    void sourcesDecode() throws IOException {
        byte[] png = Fixtures.bytes("pattern.png");
        Path file = Files.createTempFile("pattern", ".png");
        try {
            Files.write(file, png);
            RgbImage fromFile = WITH_OPENCV.decode(new ImageSource.File(file));
            RgbImage fromBytes = WITH_OPENCV.decode(new ImageSource.Bytes("pattern.png", png));
            assertArrayEquals(fromBytes.rgb(), fromFile.rgb());
        } finally {
            Files.delete(file);
        }
        assertThrows(NoSuchFileException.class, () -> WITH_OPENCV.decode(new ImageSource.File(file)));

        // a sparse 3 GiB file: refused by its size, before any attempt to read it into an array
        Path huge = Files.createTempFile("huge", ".png");
        try {
            try (var raf = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
                raf.setLength(3L << 30);
            }
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> WITH_OPENCV.decode(new ImageSource.File(huge)));
            assertEquals(ImageDecodeException.Kind.TOO_LARGE, e.kind());
            assertEquals(huge.toString(), e.source());
        } finally {
            Files.delete(huge);
        }
    }

    @Test
    void probeReadsTheHeaderOnly() {
        ImageInfo info = WITH_OPENCV.probe("o6.jpg", Fixtures.bytes("jpeg-orient-6.jpg"));
        assertEquals(new ImageInfo(ImageFormat.JPEG, 16, 24, ExifOrientation.RIGHT_TOP), info);
        assertEquals(24, info.displayWidth());
        assertEquals(16, info.displayHeight());
        assertEquals(ImageFormat.WEBP, WITH_OPENCV.probe("w", Fixtures.bytes("webp-orient-6.webp")).format());
        assertEquals(ExifOrientation.RIGHT_TOP, WITH_OPENCV.probe("w", Fixtures.bytes("webp-orient-6.webp")).orientation());
        assertEquals(ExifOrientation.RIGHT_TOP, WITH_OPENCV.probe("t", Fixtures.bytes("tiff-orient-6.tif")).orientation());
        assertEquals(new ImageInfo(ImageFormat.GIF, 20, 16, ExifOrientation.TOP_LEFT), WITH_OPENCV.probe("g", Fixtures.bytes("gif-framed.gif")));
        assertEquals(new ImageInfo(ImageFormat.PNG, 24, 16, ExifOrientation.TOP_LEFT), WITH_OPENCV.probe("p", Fixtures.bytes("png-rgb16.png")));
        // only the header: a truncated file still probes
        byte[] cut = java.util.Arrays.copyOf(Fixtures.bytes("photo-2x2.jpg"), 700);
        assertEquals(64, WITH_OPENCV.probe("cut.jpg", cut).width());
    }

    // --- helpers -------------------------------------------------------------------------------

    private BufferedImage randomImage(int w, int h, int type) {
        BufferedImage image = new BufferedImage(w, h, type);
        WritableRaster raster = image.getRaster();
        int[] bits = image.getColorModel().getComponentSize();
        if (image.getColorModel() instanceof IndexColorModel) {
            bits = new int[] {8};
        }
        int[] px = new int[raster.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < px.length; c++) {
                    px[c] = random.nextInt(1 << bits[Math.min(c, bits.length - 1)]);
                }
                raster.setPixel(x, y, px);
            }
        }
        return image;
    }

    private void fill(WritableRaster raster, int bits) {
        for (int y = 0; y < raster.getHeight(); y++) {
            for (int x = 0; x < raster.getWidth(); x++) {
                for (int c = 0; c < raster.getNumBands(); c++) {
                    raster.setSample(x, y, c, random.nextInt(1 << bits));
                }
            }
        }
    }

    /** The RGB an 8-bit image should decode to: its ARGB's colour (sRGB, no grey gamma), alpha left out. */
    private static byte[] expectedRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        boolean grey = image.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                if (grey) {
                    int v = image.getRaster().getSample(x, y, 0);
                    out[o] = out[o + 1] = out[o + 2] = (byte) v;
                    continue;
                }
                int argb = image.getRGB(x, y);
                out[o] = (byte) (argb >> 16);
                out[o + 1] = (byte) (argb >> 8);
                out[o + 2] = (byte) argb;
            }
        }
        return out;
    }

    /** The alpha band of an 8-bit ARGB image. */
    private static byte[] expectedAlpha(BufferedImage image) {
        int w = image.getWidth();
        byte[] out = new byte[w * image.getHeight()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (image.getRGB(i % w, i / w) >>> 24);
        }
        return out;
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IllegalStateException("no " + format + " writer for image type " + image.getType());
        }
        return out.toByteArray();
    }

    static byte[] encodeJpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** A two-frame GIF; the second frame must not be what is decoded. */
    private static byte[] encodeSequence(BufferedImage first, BufferedImage second) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (BufferedImage frame : new BufferedImage[] {first, second}) {
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
                String format = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
                // in a sequence the writer's default local colour table is black and white: give the real one
                IIOMetadataNode table = (IIOMetadataNode) root.getElementsByTagName("LocalColorTable").item(0);
                while (table.hasChildNodes()) {
                    table.removeChild(table.getFirstChild());
                }
                IndexColorModel icm = (IndexColorModel) frame.getColorModel();
                table.setAttribute("sizeOfLocalColorTable", String.valueOf(icm.getMapSize()));
                for (int i = 0; i < icm.getMapSize(); i++) {
                    IIOMetadataNode entry = new IIOMetadataNode("ColorTableEntry");
                    entry.setAttribute("index", String.valueOf(i));
                    entry.setAttribute("red", String.valueOf(icm.getRed(i)));
                    entry.setAttribute("green", String.valueOf(icm.getGreen(i)));
                    entry.setAttribute("blue", String.valueOf(icm.getBlue(i)));
                    table.appendChild(entry);
                }
                IIOMetadataNode gce = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
                gce.setAttribute("transparentColorFlag", "TRUE");
                gce.setAttribute("transparentColorIndex", "3");
                gce.setAttribute("delayTime", "10");
                meta.setFromTree(format, root);
                writer.writeToSequence(new IIOImage(frame, null, meta), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
