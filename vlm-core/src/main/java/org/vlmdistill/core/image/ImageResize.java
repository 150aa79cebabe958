package org.vlmdistill.core.image;


/**
 * Resampling of an {@link RgbImage} to a target size, with Pillow's algorithm ({@code Resample.c},
 * {@code Image.resize} without {@code reducing_gap}), so that it can reproduce Hugging Face image
 * processors: SigLIP's and CLIP's use {@code PIL.Image.BICUBIC}, Idefics3's {@code LANCZOS}.
 *
 * <p>Separable convolution, horizontal pass first (over the rows the vertical pass needs), each pass
 * rounded and clipped to 8 bits. For output pixel {@code i} of a pass with scale
 * {@code s = inSize / outSize} the kernel is centred on input coordinate {@code c = (i + 0.5) s}; when
 * shrinking it is stretched by {@code f = max(s, 1)} (antialiasing), so its support is
 * {@code filter.support * f}; the taps are input pixels {@code j} in {@code [round(c - support), round(c + support))}
 * clamped to the image, weighted {@code K((j - c + 0.5) / f)}, normalised to sum 1 and stored as
 * 22-bit fixed point (rounded half away from zero). Filters {@code K}: BILINEAR the triangle
 * {@code 1 - |x|} on {@code |x| < 1}; BICUBIC Keys' cubic with {@code a = -0.5} on {@code |x| < 2};
 * LANCZOS {@code sinc(x) sinc(x/3)} on {@code |x| < 3}.
 *
 * <p>An image with an alpha band is resized as Pillow resizes mode RGBA: premultiplied
 * ({@code convert("RGBa")}: {@code c' = round(c a / 255)}), all four channels resampled alike, then
 * divided back ({@code convert("RGBA")}: {@code c = min(255, floor(255 c' / a))} where {@code 0 < a < 255},
 * {@code c'} as is where {@code a} is 0 or 255).
 */
public final class ImageResize {
    private ImageResize() {}

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    /** Interpolation kernels, with Pillow's definitions and supports. */
    public enum Filter {
        BILINEAR(1.0), BICUBIC(2.0), LANCZOS(3.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        /** Kernel half-width in input pixels, before stretching for a reduction. */
        public double support() {
            return support;
        }

        /** The kernel's weight at distance {@code x}. */
        public double weight(double x) {
            return switch (this) {
                case BILINEAR -> {
                    double ax = Math.abs(x);
                    yield ax < 1.0 ? 1.0 - ax : 0.0;
                }
                case BICUBIC -> {
                    double a = -0.5;
                    double ax = Math.abs(x);
                    if (ax < 1.0) {
                        yield ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
                    }
                    yield ax < 2.0 ? (((ax - 5) * ax + 8) * ax - 4) * a : 0.0;
                }
                case LANCZOS -> -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            };
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            double px = x * Math.PI;
            return Math.sin(px) / px;
        }
    }

    /**
     * {@code image} resampled to {@code width} x {@code height}; the same instance when the size is unchanged.
     */
    public static RgbImage resize(RgbImage image, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return image;
        }
        if (!image.hasAlpha()) {
            return resizeRgb(image, width, height, filter);
        }
        byte[] a = image.alpha();
        byte[] premultiplied = new byte[image.rgb().length];
        byte[] alpha3 = new byte[image.rgb().length]; // the alpha band as a grey image, resampled like a channel
        for (int i = 0, p = 0; i < a.length; i++, p += 3) {
            int ai = a[i] & 0xFF;
            for (int c = 0; c < 3; c++) {
                premultiplied[p + c] = (byte) mulDiv255(image.rgb()[p + c] & 0xFF, ai);
                alpha3[p + c] = a[i];
            }
        }
        byte[] colour = resizeRgb(new RgbImage(image.width(), image.height(), premultiplied), width, height, filter).rgb();
        byte[] alpha = resizeRgb(new RgbImage(image.width(), image.height(), alpha3), width, height, filter).rgb();
        byte[] outAlpha = new byte[width * height];
        for (int i = 0, p = 0; i < outAlpha.length; i++, p += 3) {
            int ai = alpha[p] & 0xFF;
            outAlpha[i] = (byte) ai;
            if (ai != 0 && ai != 255) {
                for (int c = 0; c < 3; c++) {
                    colour[p + c] = (byte) Math.min(255, 255 * (colour[p + c] & 0xFF) / ai);
                }
            }
        }
        return new RgbImage(width, height, colour, outAlpha);
    }

    /** Pillow's {@code MULDIV255}: {@code round(a b / 255)} with its shifts. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static RgbImage resizeRgb(RgbImage image, int width, int height, Filter filter) {
        int inW = image.width();
        int inH = image.height();
        byte[] in = image.rgb();
        Taps vertical = taps(inH, height, filter);
        if (width != inW) {
            Taps horizontal = taps(inW, width, filter);
            // only the rows the vertical pass reads: from the first tap of row 0 to the last of the last row
            int first = height != inH ? vertical.start[0] : 0;
            int last = height != inH ? vertical.start[height - 1] + vertical.count[height - 1] : inH;
            in = horizontalPass(in, inW, first, last, horizontal, width);
            if (height == inH) {
                return new RgbImage(width, height, in);
            }
            vertical = vertical.shifted(-first);
        }
        return new RgbImage(width, height, verticalPass(in, width, vertical, height));
    }

    /**
     * Each output position's first input index, tap count and fixed-point weights
     * ({@code weights[i * maxTaps + t]}).
     */
    private record Taps(int[] start, int[] count, int[] weights, int maxTaps) {
        Taps shifted(int by) {
            int[] s = start.clone();
            for (int i = 0; i < s.length; i++) {
                s[i] += by;
            }
            return new Taps(s, count, weights, maxTaps);
        }
    }

    /** Pillow's {@code precompute_coeffs} then {@code normalize_coeffs_8bpc}. */
    private static Taps taps(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        int maxTaps = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * maxTaps];
        double[] k = new double[maxTaps];
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int min = Math.max(0, (int) (center - support + 0.5));   // C's (int): truncation toward zero
            int max = Math.min(inSize, (int) (center + support + 0.5)) - min;
            double sum = 0.0;
            for (int t = 0; t < max; t++) {
                double w = filter.weight((t + min - center + 0.5) * ss);
                k[t] = w;
                sum += w;
            }
            for (int t = 0; t < max; t++) {
                double w = sum != 0.0 ? k[t] / sum : k[t];
                weights[i * maxTaps + t] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            start[i] = min;
            count[i] = Math.max(0, max);
        }
        return new Taps(start, count, weights, maxTaps);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Rows {@code [first, last)} of {@code in} (width {@code inW}) resampled to {@code outW} columns. */
    private static byte[] horizontalPass(byte[] in, int inW, int first, int last, Taps taps, int outW) {
        int rows = last - first;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(outW, rows), 3)];
        int[] w = taps.weights();
        int o = 0;
        for (int y = 0; y < rows; y++) {
            int row = (first + y) * inW;
            for (int x = 0; x < outW; x++, o += 3) {
                int r = HALF;
                int g = HALF;
                int b = HALF;
                int p = (row + taps.start()[x]) * 3;
                int k = x * taps.maxTaps();
                for (int t = 0, n = taps.count()[x]; t < n; t++, p += 3) {
                    int wt = w[k + t];
                    r += (in[p] & 0xFF) * wt;
                    g += (in[p + 1] & 0xFF) * wt;
                    b += (in[p + 2] & 0xFF) * wt;
                }
                out[o] = (byte) clip8(r);
                out[o + 1] = (byte) clip8(g);
                out[o + 2] = (byte) clip8(b);
            }
        }
        return out;
    }

    /** {@code in} (width {@code w}) resampled to {@code outH} rows, accumulating whole rows at a time. */
    private static byte[] verticalPass(byte[] in, int w, Taps taps, int outH) {
        int rowBytes = w * 3;
        byte[] out = new byte[Math.multiplyExact(rowBytes, outH)];
        int[] acc = new int[rowBytes];
        int[] wts = taps.weights();
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(acc, HALF);
            int k = y * taps.maxTaps();
            for (int t = 0, n = taps.count()[y]; t < n; t++) {
                int wt = wts[k + t];
                int p = (taps.start()[y] + t) * rowBytes;
                for (int i = 0; i < rowBytes; i++) {
                    acc[i] += (in[p + i] & 0xFF) * wt;
                }
            }
            int o = y * rowBytes;
            for (int i = 0; i < rowBytes; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        }
        return out;
    }
}
