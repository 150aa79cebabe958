package org.vlmdistill.datasets.image;

import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.datasets.image.ImageDecodeException.Kind;
import org.vlmdistill.datasets.record.ImageSource;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Encoded image bytes to an upright {@link RgbImage}, the way Hugging Face's preprocessing sees them:
 * transformers' {@code load_image} (Pillow, {@code ImageOps.exif_transpose}), with the alpha band kept
 * where Pillow has one (modes RGBA and LA; not palette or colour-key transparency, see {@link Pixels}),
 * for each family's processor to convert to RGB as its Hugging Face processor does. Thread-safe; one
 * instance serves all threads.
 *
 * <p>Formats: JPEG (baseline, progressive, grey, YCbCr, RGB, CMYK and YCCK), PNG (1..16 bits, grey,
 * grey+alpha, RGB, RGBA, palette, tRNS), GIF (first frame on its logical screen), BMP, WebP (lossy,
 * lossless, alpha), TIFF. Decoding goes through ImageIO with the TwelveMonkeys plugins for JPEG, WebP
 * and TIFF and the JDK's readers for PNG, GIF and BMP; the conversion to RGB is ours (see
 * {@link Pixels} and {@link JpegColor}), on the raw samples, so ICC profiles are ignored as Pillow
 * ignores them. Where OpenCV gives the same pixels faster (8-bit YCbCr/grey JPEGs, 8-bit PNGs without
 * transparency; see BENCHMARKS.md) it decodes those instead.
 *
 * <p>Checks before decoding: the format is told by its signature; JPEG markers and PNG chunks are
 * walked (truncation, CRCs, unsupported processes); the pixel count from the header is compared with
 * the limit, so a decompression bomb is refused before anything is allocated for it.
 */
public final class ImageDecoder {

    /**
     * Pillow's limit: it refuses images of more than {@code 2 * Image.MAX_IMAGE_PIXELS} =
     * 2 * (1024 * 1024 * 1024 / 4 / 3) pixels with {@code DecompressionBombError} (and warns above
     * half that). The same limit here means we refuse exactly the images Hugging Face's loader refuses.
     * At the limit the RGB result alone is 512 MiB.
     */
    public static final long PIL_MAX_PIXELS = 2L * (1024 * 1024 * 1024 / 4 / 3);

    /**
     * @param maxPixels the largest width * height decoded (stored size, before orientation)
     * @param openCv    whether OpenCV may decode the JPEGs and PNGs where its output is ours
     */
    public record Options(long maxPixels, boolean openCv) {
        public Options {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
            }
        }

        public static Options defaults() {
            return new Options(PIL_MAX_PIXELS, true);
        }

        public Options withMaxPixels(long maxPixels) {
            return new Options(maxPixels, openCv);
        }

        public Options withOpenCv(boolean openCv) {
            return new Options(maxPixels, openCv);
        }
    }

    /** The largest Java byte array (VM header words aside). */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private final long maxPixels;
    private final OpenCvCodec openCv; // null: not asked for, or its native library did not load
    private final ImageReaderSpi jpeg;
    private final ImageReaderSpi png;
    private final ImageReaderSpi gif;
    private final ImageReaderSpi bmp;
    private final ImageReaderSpi webp;
    private final ImageReaderSpi tiff;

    public ImageDecoder() {
        this(Options.defaults());
    }

    /**
     * @throws IllegalStateException when an ImageIO plugin the formats need is not on the class path
     */
    public ImageDecoder(Options options) {
        this.maxPixels = options.maxPixels();
        this.openCv = options.openCv() ? openCv() : null;
        this.jpeg = readerSpi("jpeg", "com.twelvemonkeys.imageio.plugins.jpeg.");
        this.webp = readerSpi("webp", "com.twelvemonkeys.imageio.plugins.webp.");
        this.tiff = readerSpi("tiff", "com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi");
        this.png = readerSpi("png", "");
        this.gif = readerSpi("gif", "");
        this.bmp = readerSpi("bmp", "");
    }

    /**
     * OpenCV where both its classes and its native library are there, else null (ImageIO decodes everything).
     * Without {@code org.openpnp:opencv} on the class path (the GPU bundle, {@code bench/gpu/pack}, leaves it
     * out) linking {@link OpenCvCodec} itself fails, before its own {@code load} can catch anything.
     */
    private static OpenCvCodec openCv() {
        try {
            return OpenCvCodec.load().orElse(null);
        } catch (LinkageError e) {
            return null;
        }
    }

    /** Whether OpenCV is in use (asked for, and its native library loaded). */
    public boolean usesOpenCv() {
        return openCv != null;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Decodes a file or in-memory image.
     *
     * @throws IOException           when the file cannot be read (missing, unreadable)
     * @throws ImageDecodeException  when its content is not a decodable image within the limit
     */
    public RgbImage decode(ImageSource source) throws IOException {
        return switch (source) {
            case ImageSource.Bytes b -> decode(b.name(), b.data());
            case ImageSource.File f -> {
                long size = Files.size(f.path());
                if (size > MAX_FILE_BYTES) {
                    // Files.readAllBytes would throw OutOfMemoryError
                    throw new ImageDecodeException(f.name(), Kind.TOO_LARGE, "a file of " + size + " bytes");
                }
                yield decode(f.name(), Files.readAllBytes(f.path()));
            }
        };
    }

    /**
     * Decodes encoded bytes named {@code name} in messages.
     *
     * @throws ImageDecodeException when they are not a decodable image within the limit
     */
    public RgbImage decode(String name, byte[] data) {
        ImageFormat format = format(name, data);
        return switch (format) {
            case JPEG -> decodeJpeg(name, data);
            case PNG -> decodePng(name, data);
            case GIF -> decodeGif(name, data);
            case BMP -> withReader(bmp, name, data, false, r -> {
                checkSize(name, r.getWidth(0), r.getHeight(0));
                return read(name, r);
            });
            case WEBP -> decodeWebp(name, data);
            case TIFF -> withReader(tiff, name, data, false, r -> {
                checkSize(name, r.getWidth(0), r.getHeight(0));
                return ExifOrientation.of(Exif.orientation(data, 0, data.length)).apply(read(name, r));
            });
        };
    }

    /**
     * The header's format, size and orientation, without decoding pixels (nor checking the rest of
     * the file, nor the pixel limit).
     *
     * @throws ImageDecodeException when the bytes are not an image or its header cannot be read
     */
    public ImageInfo probe(String name, byte[] data) {
        ImageFormat format = format(name, data);
        return switch (format) {
            case JPEG -> {
                JpegStructure s = JpegStructure.parse(data);
                if (!s.hasFrame()) {
                    throw s.defect().exception(name);
                }
                yield new ImageInfo(format, s.width(), s.height(), ExifOrientation.of(s.orientation()));
            }
            case PNG -> {
                PngStructure s = PngStructure.parse(data);
                if (!s.hasHeader()) {
                    throw (s.defect() != null ? s.defect() : new Defect(Kind.TRUNCATED, "no IHDR chunk")).exception(name);
                }
                yield new ImageInfo(format, s.width(), s.height(), ExifOrientation.of(s.orientation()));
            }
            default -> withReader(spi(format), name, data, format == ImageFormat.GIF, r -> {
                int orientation = switch (format) {
                    case TIFF -> Exif.orientation(data, 0, data.length);
                    case WEBP -> WebpStructure.parse(data).orientation();
                    default -> 0;
                };
                int[] size = format == ImageFormat.GIF ? gifCanvas(r) : new int[] {r.getWidth(0), r.getHeight(0)};
                return new ImageInfo(format, size[0], size[1], ExifOrientation.of(orientation));
            });
        };
    }

    private ImageFormat format(String name, byte[] data) {
        if (data.length == 0) {
            throw new ImageDecodeException(name, Kind.TRUNCATED, "empty (0 bytes)");
        }
        Optional<ImageFormat> format = ImageFormat.sniff(data);
        if (format.isPresent()) {
            return format.get();
        }
        Optional<String> other = ImageFormat.sniffUnsupported(data);
        if (other.isPresent()) {
            throw new ImageDecodeException(name, Kind.UNSUPPORTED, other.get() + " is not an image format decoded here");
        }
        throw new ImageDecodeException(name, Kind.CORRUPT, "not a known image format (" + data.length
                + " bytes starting " + HexFormat.ofDelimiter(" ").formatHex(data, 0, Math.min(8, data.length)) + ")");
    }

    private ImageReaderSpi spi(ImageFormat format) {
        return switch (format) {
            case JPEG -> jpeg;
            case PNG -> png;
            case GIF -> gif;
            case BMP -> bmp;
            case WEBP -> webp;
            case TIFF -> tiff;
        };
    }

    private void checkSize(String name, long width, long height) {
        // Pillow's _decompression_bomb_check counts max(1, w) * max(1, h)
        long pixels = Math.max(1, width) * Math.max(1, height);
        if (pixels > maxPixels) {
            throw new ImageDecodeException(name, Kind.TOO_LARGE, width + "x" + height + " = " + pixels
                    + " pixels, more than the limit of " + maxPixels);
        }
    }

    private RgbImage decodeJpeg(String name, byte[] data) {
        JpegStructure s = JpegStructure.parse(data);
        if (s.hasFrame()) {
            checkSize(name, s.width(), s.height());
        }
        if (s.defect() != null) {
            throw s.defect().exception(name);
        }
        JpegStructure.Space space = s.space();
        ExifOrientation orientation = ExifOrientation.of(s.orientation());
        if (openCv != null && (space == JpegStructure.Space.YCBCR || space == JpegStructure.Space.GRAY)) {
            byte[] rgb = openCv.decodeRgb(data, s.width(), s.height());
            if (rgb != null) {
                return orientation.apply(new RgbImage(s.width(), s.height(), rgb));
            }
            // else ImageIO decodes it, or says what is wrong
        }
        RgbImage stored = withReader(jpeg, name, data, false, r -> {
            Raster raster = r.readRaster(0, null);
            if (raster.getWidth() != s.width() || raster.getHeight() != s.height() || raster.getNumBands() != s.components()) {
                throw new ImageDecodeException(name, Kind.CORRUPT, "decoded " + raster.getWidth() + "x" + raster.getHeight()
                        + "x" + raster.getNumBands() + ", header says " + s.width() + "x" + s.height() + "x" + s.components());
            }
            return new RgbImage(s.width(), s.height(), JpegColor.toRgb(raster, space));
        });
        return orientation.apply(stored);
    }

    private RgbImage decodePng(String name, byte[] data) {
        PngStructure s = PngStructure.parse(data);
        if (s.hasHeader()) {
            checkSize(name, s.width(), s.height());
        }
        if (s.defect() != null) {
            throw s.defect().exception(name);
        }
        ExifOrientation orientation = ExifOrientation.of(s.orientation());
        boolean opaque8Bit = s.bitDepth() == 8 && !s.hasTrns() && (s.colorType() == 0 || s.colorType() == 2 || s.colorType() == 3);
        if (openCv != null && opaque8Bit && s.complete()) {
            byte[] rgb = openCv.decodeRgb(data, s.width(), s.height());
            if (rgb != null) {
                return orientation.apply(new RgbImage(s.width(), s.height(), rgb));
            }
        }
        RgbImage decoded = withReader(png, name, data, false, r -> read(name, r));
        // grey and RGB with a tRNS colour: the JDK's reader makes it alpha; Pillow keeps mode L or RGB
        // (the transparent colour is metadata, which convert("RGB") and numpy ignore), so do we
        return orientation.apply(s.colorType() == 0 || s.colorType() == 2 ? decoded.withoutAlpha() : decoded);
    }

    /**
     * TwelveMonkeys' VP8 decoder replicates chroma where libwebp (Pillow's decoder, and OpenCV's)
     * interpolates it ("fancy upsampling"), which differs by up to half the range at sharp colour
     * edges; so OpenCV decodes WebPs when it is there, alpha included ({@code IMREAD_UNCHANGED}).
     * Animated files (which it does not decode), files shorter than their RIFF header says (which
     * TwelveMonkeys reports as truncated) and a missing OpenCV go to TwelveMonkeys.
     */
    private RgbImage decodeWebp(String name, byte[] data) {
        WebpStructure s = WebpStructure.parse(data);
        if (s.width() > 0) {
            checkSize(name, s.width(), s.height());
        }
        ExifOrientation orientation = ExifOrientation.of(s.orientation());
        if (openCv != null && s.width() > 0 && !s.animated() && s.complete()) {
            RgbImage decoded = openCv.decodeWithAlpha(data, s.width(), s.height());
            if (decoded != null) {
                return orientation.apply(decoded);
            }
        }
        return orientation.apply(withReader(webp, name, data, false, r -> {
            checkSize(name, r.getWidth(0), r.getHeight(0));
            return read(name, r);
        }));
    }

    /**
     * Pillow's first GIF frame: the logical screen (grown to hold the frame), the frame at its offset,
     * the rest filled with the transparent index when there is one, else index 0.
     */
    private RgbImage decodeGif(String name, byte[] data) {
        return withReader(gif, name, data, true, r -> {
            int[] canvas = gifCanvas(r); // holds the frame, so the frame is within the limit too
            checkSize(name, canvas[0], canvas[1]);
            BufferedImage frame = r.read(0);
            int[] at = gifOffset(r);
            if (canvas[0] == frame.getWidth() && canvas[1] == frame.getHeight()
                    || !(frame.getColorModel() instanceof IndexColorModel icm)) {
                return rgb(name, frame);
            }
            int fill = Math.max(0, icm.getTransparentPixel());
            var raster = icm.createCompatibleWritableRaster(canvas[0], canvas[1]);
            int[] row = new int[canvas[0]];
            Arrays.fill(row, fill);
            for (int y = 0; y < canvas[1]; y++) {
                raster.setSamples(0, y, canvas[0], 1, 0, row);
            }
            raster.setRect(at[0], at[1], frame.getRaster());
            return rgb(name, new BufferedImage(icm, raster, false, null));
        });
    }

    /** Logical screen size, grown to hold frame 0 at its offset (Pillow does the same). */
    private static int[] gifCanvas(ImageReader r) throws IOException {
        int[] at = gifOffset(r);
        int w = r.getWidth(0) + at[0];
        int h = r.getHeight(0) + at[1];
        IIOMetadata stream = r.getStreamMetadata();
        Node screen = stream == null ? null : child(stream.getAsTree(stream.getNativeMetadataFormatName()), "LogicalScreenDescriptor");
        if (screen != null) {
            w = Math.max(w, intAttribute(screen, "logicalScreenWidth"));
            h = Math.max(h, intAttribute(screen, "logicalScreenHeight"));
        }
        return new int[] {w, h};
    }

    private static int[] gifOffset(ImageReader r) throws IOException {
        IIOMetadata image = r.getImageMetadata(0);
        Node descriptor = image == null ? null : child(image.getAsTree(image.getNativeMetadataFormatName()), "ImageDescriptor");
        return descriptor == null ? new int[2]
                : new int[] {intAttribute(descriptor, "imageLeftPosition"), intAttribute(descriptor, "imageTopPosition")};
    }

    private static Node child(Node parent, String name) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (name.equals(c.getNodeName())) {
                return c;
            }
        }
        return null;
    }

    private static int intAttribute(Node node, String name) {
        NamedNodeMap attributes = node.getAttributes();
        Node a = attributes == null ? null : attributes.getNamedItem(name);
        try {
            return a == null ? 0 : Math.max(0, Integer.parseInt(a.getNodeValue()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reads image 0 into its raw type (no ICC conversion by the plugin) and converts it to RGB. */
    private static RgbImage read(String name, ImageReader r) throws IOException {
        ImageReadParam param = r.getDefaultReadParam();
        ImageTypeSpecifier raw = r.getRawImageType(0);
        if (raw != null) {
            param.setDestinationType(raw);
        }
        return rgb(name, r.read(0, param));
    }

    private static RgbImage rgb(String name, BufferedImage image) {
        try {
            return Pixels.toImage(image.getColorModel(), image.getRaster());
        } catch (Pixels.UnsupportedLayout e) {
            throw new ImageDecodeException(name, Kind.UNSUPPORTED, e.getMessage());
        }
    }

    @FunctionalInterface
    private interface ReaderWork<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /**
     * Runs {@code work} on a fresh reader over {@code data}, turning whatever the plugin throws into
     * an {@link ImageDecodeException}. libjpeg reports running out of data as a warning ("Missing
     * EOI marker") and fills the rest with grey, so that warning is an error here, as in Pillow.
     */
    private static <T> T withReader(ImageReaderSpi spi, String name, byte[] data, boolean metadata, ReaderWork<T> work) {
        ImageReader reader;
        try {
            reader = spi.createReaderInstance();
        } catch (IOException e) {
            throw new IllegalStateException("cannot create an ImageIO reader from " + spi.getClass().getName(), e);
        }
        AtomicBoolean ranOut = new AtomicBoolean();
        reader.addIIOReadWarningListener((source, warning) -> {
            if (warning != null && warning.contains("Missing EOI")) {
                ranOut.set(true);
            }
        });
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, false, !metadata);
            T result = work.apply(reader);
            if (ranOut.get()) {
                throw new ImageDecodeException(name, Kind.TRUNCATED, "the decoder ran out of data before the image ended");
            }
            return result;
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageDecodeException(name, kindOf(e), describe(e), e);
        } catch (OutOfMemoryError e) {
            // the pixel limit passed, but this image (or a plugin's buffers for it) does not fit the heap
            throw new ImageDecodeException(name, Kind.TOO_LARGE, "out of memory while decoding (heap limit "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)", e);
        } catch (RuntimeException | StackOverflowError e) {
            // plugins throw NPEs, index errors and the like on malformed input
            throw new ImageDecodeException(name, Kind.CORRUPT, "the decoder failed: " + describe(e), e);
        } finally {
            reader.dispose();
        }
    }

    /** EOF anywhere in the causes means truncated; the plugins' "unsupported ..." messages mean unsupported. */
    private static Kind kindOf(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof EOFException || m.contains("unexpected end of zlib") || m.contains("premature end")) {
                return Kind.TRUNCATED;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("unsupported") || m.contains("not supported")) {
                return Kind.UNSUPPORTED;
            }
        }
        return Kind.CORRUPT;
    }

    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 400; t = t.getCause()) {
            if (!b.isEmpty()) {
                b.append(": ");
            }
            b.append(t instanceof IIOException || t.getMessage() == null ? "" : t.getClass().getSimpleName() + " ")
                    .append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        return b.toString().strip();
    }

    /**
     * The registered reader for {@code format} whose provider class starts with {@code prefix}.
     * ImageIO registers class-path plugins when its registry is first used; {@link ImageIO#scanForPlugins}
     * is the second chance for class loaders it did not see.
     */
    private static ImageReaderSpi readerSpi(String format, String prefix) {
        ImageReaderSpi spi = findSpi(format, prefix);
        if (spi == null) {
            ImageIO.scanForPlugins();
            spi = findSpi(format, prefix);
        }
        if (spi == null) {
            throw new IllegalStateException("no ImageIO reader for " + format
                    + (prefix.isEmpty() ? "" : " from " + prefix + "*") + " on the class path");
        }
        return spi;
    }

    private static ImageReaderSpi findSpi(String format, String prefix) {
        Iterator<ImageReaderSpi> it = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
        ImageReaderSpi other = null;
        while (it.hasNext()) {
            ImageReaderSpi spi = it.next();
            boolean reads = Arrays.stream(spi.getFormatNames()).anyMatch(format::equalsIgnoreCase);
            if (!reads || !spi.getClass().getName().startsWith(prefix)) {
                continue;
            }
            // without a named provider, the JDK's own reader (PNG, GIF, BMP), whatever else is registered
            if (!prefix.isEmpty() || spi.getClass().getName().startsWith("com.sun.imageio.")) {
                return spi;
            }
            other = other == null ? spi : other;
        }
        return other;
    }
}
