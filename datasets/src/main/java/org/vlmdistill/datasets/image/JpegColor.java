package org.vlmdistill.datasets.image;

import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;

/**
 * A JPEG's raw components (as libjpeg leaves them after upsampling, before colour conversion) to
 * RGB, the way libjpeg converts them for Pillow: YCbCr with libjpeg's fixed-point tables
 * ({@code jdcolor.c}), YCCK to CMYK likewise, then Pillow's reading of a four-component JPEG as
 * Adobe-inverted CMYK ({@code "CMYK;I"}, whatever the markers say) and its naive CMYK to RGB.
 * Embedded ICC profiles are ignored, as Pillow's {@code convert("RGB")} ignores them.
 */
final class JpegColor {
    private JpegColor() {}

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    // R = Y + 1.402 (Cr-128); G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128); B = Y + 1.772 (Cb-128)
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * RGB bytes from the components in {@code raster}; may convert in place and return the raster's
     * own array when it already is a tight {@code [h][w][3]} layout (saves copying a large image).
     */
    static byte[] toRgb(Raster raster, JpegStructure.Space space) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int n = raster.getNumBands();
        int pixels = Math.multiplyExact(w, h);
        byte[] src;
        int[] off;
        int stride;
        int origin;
        int scan;
        if (raster.getDataBuffer() instanceof DataBufferByte db && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm) {
            src = db.getData();
            off = sm.getBandOffsets();
            stride = sm.getPixelStride();
            scan = sm.getScanlineStride();
            origin = db.getOffset() + (raster.getMinY() - raster.getSampleModelTranslateY()) * scan
                    + (raster.getMinX() - raster.getSampleModelTranslateX()) * stride;
        } else {
            src = new byte[Math.multiplyExact(pixels, n)];
            int[] row = new int[w * n];
            for (int y = 0; y < h; y++) {
                raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
                for (int i = 0; i < row.length; i++) {
                    src[y * w * n + i] = (byte) row[i];
                }
            }
            off = new int[n];
            for (int b = 0; b < n; b++) {
                off[b] = b;
            }
            stride = n;
            scan = w * n;
            origin = 0;
        }
        boolean tight = n == 3 && stride == 3 && scan == w * 3 && origin == 0 && off[0] == 0 && off[1] == 1 && off[2] == 2
                && src.length == pixels * 3;
        byte[] out = tight ? src : new byte[Math.multiplyExact(pixels, 3)];
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = origin + y * scan;
            for (int x = 0; x < w; x++, p += stride, o += 3) {
                int r;
                int g;
                int b;
                switch (space) {
                    case GRAY -> r = g = b = src[p + off[0]] & 0xFF;
                    case RGB -> {
                        r = src[p + off[0]] & 0xFF;
                        g = src[p + off[1]] & 0xFF;
                        b = src[p + off[2]] & 0xFF;
                    }
                    case YCBCR -> {
                        int yy = src[p + off[0]] & 0xFF;
                        int cb = src[p + off[1]] & 0xFF;
                        int cr = src[p + off[2]] & 0xFF;
                        r = clamp(yy + CR_R[cr]);
                        g = clamp(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                        b = clamp(yy + CB_B[cb]);
                    }
                    case CMYK, YCCK -> {
                        int c;
                        int m;
                        int ye;
                        int k = src[p + off[3]] & 0xFF;
                        if (space == JpegStructure.Space.YCCK) {
                            // jdcolor.c ycck_cmyk_convert: CMY = 255 - RGB of the YCC part, K unchanged
                            int yy = src[p + off[0]] & 0xFF;
                            int cb = src[p + off[1]] & 0xFF;
                            int cr = src[p + off[2]] & 0xFF;
                            c = 255 - clamp(yy + CR_R[cr]);
                            m = 255 - clamp(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                            ye = 255 - clamp(yy + CB_B[cb]);
                        } else {
                            c = src[p + off[0]] & 0xFF;
                            m = src[p + off[1]] & 0xFF;
                            ye = src[p + off[2]] & 0xFF;
                        }
                        // Pillow reads every CMYK JPEG as inverted ("CMYK;I", Adobe's convention)
                        k = 255 - k;
                        r = Pixels.cmykToRgb(255 - c, k);
                        g = Pixels.cmykToRgb(255 - m, k);
                        b = Pixels.cmykToRgb(255 - ye, k);
                    }
                    default -> throw new AssertionError(space);
                }
                out[o] = (byte) r;
                out[o + 1] = (byte) g;
                out[o + 2] = (byte) b;
            }
        }
        return out;
    }
}
