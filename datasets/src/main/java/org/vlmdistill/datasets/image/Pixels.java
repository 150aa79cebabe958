package org.vlmdistill.datasets.image;

import org.vlmdistill.core.image.RgbImage;

import java.awt.color.ColorSpace;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;

/**
 * Decoded samples to 8-bit RGB and an alpha band, with Pillow's rules so that a model sees what Hugging
 * Face's preprocessing shows it. The samples are read raw from the raster: Java2D's colour management
 * ({@code getRGB}) would, for one, brighten grey images (it treats {@code CS_GRAY} as linear light).
 *
 * <ul>
 *   <li>An alpha band (RGBA, grey+alpha) is kept as it is, the colour beside it straight and untouched,
 *       also where alpha is 0, as Pillow keeps mode RGBA and LA; the processors decide what it means
 *       (docs/image-decoding.md). Premultiplied samples are kept as stored too: Pillow's
 *       {@code convert("RGB")} of mode RGBa drops alpha without dividing by it, and its numpy array
 *       reads as straight RGBA. Palette transparency (tRNS, a GIF's transparent index) is no alpha
 *       band: Pillow keeps such images in mode P, whose {@code convert("RGB")} gives the palette colour,
 *       so the palette colour is what is kept.</li>
 *   <li>More than 8 bits: the high byte ({@code v >> (bits − 8)}), which is what Pillow does when
 *       it opens 16-bit RGB(A) and grey+alpha PNGs. (Pillow opens a 16-bit grey PNG as mode
 *       {@code I;16} and its {@code convert("RGB")} clips values above 255 to white instead; we do
 *       not copy that.) Fewer than 8 bits: {@code v · 255 / (2^bits − 1)}, truncated, as Pillow's
 *       unpackers do (exact for 1, 2 and 4 bits; 5- and 6-bit BMP channels).</li>
 *   <li>Grey is replicated; CMYK goes through Pillow's formula, without any ICC profile:
 *       {@code R = (255 − K) − round(C · (255 − K) / 255)}, likewise G from M and B from Y.</li>
 * </ul>
 */
final class Pixels {
    private Pixels() {}

    /** Thrown for sample layouts that are not converted (floating point, Lab, ...); the caller names the image. */
    static final class UnsupportedLayout extends Exception {
        private static final long serialVersionUID = 1L;

        UnsupportedLayout(String message) {
            super(message);
        }
    }

    /** Pillow's {@code cmyk2rgb} for one channel: {@code nk − MULDIV255(c, nk)} with {@code nk = 255 − k}. */
    static int cmykToRgb(int c, int k) {
        int nk = 255 - k;
        int t = c * nk + 128;
        return nk - ((t + (t >> 8)) >> 8);
    }

    /** {@code raster} as described by {@code cm}: RGB bytes, row-major, and its alpha band if it has one. */
    static RgbImage toImage(ColorModel cm, Raster raster) throws UnsupportedLayout {
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (cm instanceof IndexColorModel icm) {
            return new RgbImage(w, h, indexed(icm, raster));
        }
        int type = raster.getDataBuffer().getDataType();
        if (type == DataBuffer.TYPE_FLOAT || type == DataBuffer.TYPE_DOUBLE) {
            throw new UnsupportedLayout("floating-point samples");
        }
        int colors = cm.getNumColorComponents();
        int csType = cm.getColorSpace().getType();
        boolean known = csType == ColorSpace.TYPE_RGB && colors == 3 || csType == ColorSpace.TYPE_GRAY && colors == 1
                || csType == ColorSpace.TYPE_CMYK && colors == 4;
        if (!known) {
            throw new UnsupportedLayout(colorSpaceName(csType) + " colour space with " + colors + " components");
        }
        int bands = colors + (cm.hasAlpha() ? 1 : 0);
        if (raster.getNumBands() != bands) {
            throw new UnsupportedLayout(raster.getNumBands() + " bands for " + bands + " colour model components");
        }
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        byte[] alpha = cm.hasAlpha() ? new byte[w * h] : null;
        if (cm instanceof ComponentColorModel && type == DataBuffer.TYPE_BYTE
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel) {
            interleavedBytes(raster, colors, rgb, alpha);
        } else {
            generic(raster, colors, cm.getComponentSize(), rgb, alpha);
        }
        return new RgbImage(w, h, rgb, alpha);
    }

    /** Byte samples addressed directly: the common case (JPEG, 8-bit PNG, WebP, TIFF, BMP). */
    private static void interleavedBytes(Raster raster, int colors, byte[] out, byte[] alpha) {
        PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) raster.getSampleModel();
        DataBufferByte db = (DataBufferByte) raster.getDataBuffer();
        byte[] d = db.getData();
        int w = raster.getWidth();
        int h = raster.getHeight();
        int stride = sm.getPixelStride();
        int scan = sm.getScanlineStride();
        int[] off = sm.getBandOffsets();
        // first sample of pixel (minX, minY): the raster may be a child of a larger one
        int origin = db.getOffset() + (raster.getMinY() - raster.getSampleModelTranslateY()) * scan
                + (raster.getMinX() - raster.getSampleModelTranslateX()) * stride;
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = origin + y * scan;
            for (int x = 0; x < w; x++, p += stride, o += 3) {
                int r;
                int g;
                int b;
                if (colors == 3) {
                    r = d[p + off[0]] & 0xFF;
                    g = d[p + off[1]] & 0xFF;
                    b = d[p + off[2]] & 0xFF;
                } else if (colors == 1) {
                    r = g = b = d[p + off[0]] & 0xFF;
                } else {
                    int k = d[p + off[3]] & 0xFF;
                    r = cmykToRgb(d[p + off[0]] & 0xFF, k);
                    g = cmykToRgb(d[p + off[1]] & 0xFF, k);
                    b = cmykToRgb(d[p + off[2]] & 0xFF, k);
                }
                if (alpha != null) {
                    alpha[o / 3] = d[p + off[colors]];
                }
                out[o] = (byte) r;
                out[o + 1] = (byte) g;
                out[o + 2] = (byte) b;
            }
        }
    }

    /** Any integer sample layout (16-bit, packed 5-6-5, 1-bit, ...), one row of samples at a time. */
    private static void generic(Raster raster, int colors, int[] bits, byte[] out, byte[] alpha) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0, s = 0; x < w; x++, s += bands, o += 3) {
                int r;
                int g;
                int b;
                if (colors == 3) {
                    r = to8(row[s], bits[0]);
                    g = to8(row[s + 1], bits[1]);
                    b = to8(row[s + 2], bits[2]);
                } else if (colors == 1) {
                    r = g = b = to8(row[s], bits[0]);
                } else {
                    int k = to8(row[s + 3], bits[3]);
                    r = cmykToRgb(to8(row[s], bits[0]), k);
                    g = cmykToRgb(to8(row[s + 1], bits[1]), k);
                    b = cmykToRgb(to8(row[s + 2], bits[2]), k);
                }
                if (alpha != null) {
                    alpha[o / 3] = (byte) to8(row[s + colors], bits[colors]);
                }
                out[o] = (byte) r;
                out[o + 1] = (byte) g;
                out[o + 2] = (byte) b;
            }
        }
    }

    /** Palette images: each entry's colour looked up per pixel; its alpha is not an alpha band (see above). */
    private static byte[] indexed(IndexColorModel icm, Raster raster) {
        int size = icm.getMapSize();
        byte[] r = new byte[size];
        byte[] g = new byte[size];
        byte[] b = new byte[size];
        icm.getReds(r);
        icm.getGreens(g);
        icm.getBlues(b);
        // indices past the palette are black, as in Pillow (its palettes are zero-filled to 256 entries)
        int entries = Math.max(256, 1 << Math.min(16, icm.getPixelSize()));
        byte[] lut = new byte[entries * 3];
        for (int i = 0; i < size && i < entries; i++) {
            lut[3 * i] = r[i];
            lut[3 * i + 1] = g[i];
            lut[3 * i + 2] = b[i];
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        int[] row = new int[w];
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++, o += 3) {
                int i = Math.min(row[x], entries - 1) * 3;
                out[o] = lut[i];
                out[o + 1] = lut[i + 1];
                out[o + 2] = lut[i + 2];
            }
        }
        return out;
    }

    /** A sample of {@code bits} bits as 8 bits: the high byte, or scaled up with truncation. */
    static int to8(int v, int bits) {
        if (bits == 8) {
            return v & 0xFF;
        }
        if (bits > 8) {
            return (v >>> (bits - 8)) & 0xFF;
        }
        return v * 255 / ((1 << bits) - 1);
    }

    private static String colorSpaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_Lab -> "Lab";
            case ColorSpace.TYPE_XYZ -> "XYZ";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_RGB -> "RGB";
            case ColorSpace.TYPE_GRAY -> "grey";
            default -> "type-" + type;
        };
    }
}
